import { loadEvent } from '../../event.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = ({ params, url }) => loadEvent(url, params.org, params.id, params.eventId);
