import { fileURLToPath } from 'node:url';
import adapter from '@sveltejs/adapter-static';

// Paths are absolute so the portal builds the same from the repository root
// (`npm run build:portal`) as from this folder.
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter: adapter({
      pages: here('./build'),
      assets: here('./build'),
      // Every unknown path is served this page by S3/CloudFront and the local stack.
      fallback: 'index.html',
      strict: true,
    }),
    outDir: here('./.svelte-kit'),
    // The domain model's types are shared with the API rather than restated (type-only imports).
    alias: { $shared: here('../shared') },
    files: {
      src: here('./src'),
      assets: here('./static'),
      lib: here('./src/lib'),
      routes: here('./src/routes'),
      appTemplate: here('./src/app.html'),
      errorTemplate: here('./src/error.html'),
      hooks: {
        client: here('./src/hooks.client'),
        server: here('./src/hooks.server'),
        universal: here('./src/hooks'),
      },
      params: here('./src/params'),
      serviceWorker: here('./src/service-worker'),
    },
    // Tokens and event data never leave for third-party origins.
    csp: {
      mode: 'hash',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:'],
        // The API and Cognito may live on other origins (config.json decides).
        'connect-src': ['self', 'https:', 'http:'],
        'object-src': ['none'],
        'base-uri': ['self'],
      },
    },
  },
};
