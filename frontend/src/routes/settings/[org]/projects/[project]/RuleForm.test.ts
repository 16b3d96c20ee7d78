import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { AlertRule } from '$lib/types.ts';
import RuleForm from './RuleForm.svelte';
import { emptyForm, formFromRule, IDS, ruleFromForm } from './rule-form.ts';

/** A rule as the API answers it (Sentry's shape, with labels). */
const answered: AlertRule = {
  id: 'r-7',
  name: 'Checkout errors',
  actionMatch: 'all',
  filterMatch: 'all',
  conditions: [
    { id: IDS.regression, name: 'The issue changes state from resolved to unresolved' },
    { id: IDS.users, name: 'The issue is seen by more than 20 users in 15m', value: 20, interval: '15m', comparisonType: 'count' },
  ],
  filters: [
    { id: IDS.level, name: "The event's level is greater than or equal to fatal", match: 'gte', level: '50' },
    { id: IDS.tag, name: "The event's tags match area equals checkout", key: 'area', match: 'eq', value: 'checkout' },
    { id: IDS.tag, name: "The event's tags match region starts with eu-", key: 'region', match: 'sw', value: 'eu-' },
  ],
  actions: [
    { id: IDS.email, name: 'Send a notification to oncall@example.com', targetType: 'Member', targetIdentifier: 'oncall@example.com' },
    { id: IDS.webhook, name: 'Send a notification via webhooks', service: 'webhooks', url: 'https://chat.example.com/hooks/T1' },
  ],
  frequency: 60,
  environment: 'production',
  status: 'active',
  projects: ['backend'],
  dateCreated: '2026-01-01T00:00:00.000Z',
};

function saver() {
  const saved: AlertRule[] = [];
  return { saved, onsave: async (r: AlertRule) => void saved.push(r) };
}

describe('RuleForm', () => {
  it('sends a new rule in the API shape: conditions, frequency condition, filters, email and webhook', async () => {
    const { saved, onsave } = saver();
    render(RuleForm, { props: { onsave } });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Name' }), { target: { value: 'Payments' } });
    await fireEvent.click(screen.getByRole('checkbox', { name: /A resolved issue comes back/ }));
    await fireEvent.click(screen.getByRole('checkbox', { name: /seen more than/ }));
    await fireEvent.input(screen.getByRole('spinbutton', { name: 'Events' }), { target: { value: '250' } });
    await fireEvent.change(screen.getByRole('combobox', { name: 'Events interval' }), { target: { value: '5m' } });
    await fireEvent.change(screen.getByRole('combobox', { name: 'The level is at least' }), { target: { value: '40' } });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Environment' }), { target: { value: 'production' } });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Tag key' }), { target: { value: 'area' } });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Tag value' }), { target: { value: 'payments' } });
    await fireEvent.input(screen.getByRole('combobox', { name: 'Email these addresses' }), { target: { value: 'a@example.com, b@example.com' } });
    await fireEvent.input(screen.getByRole('textbox', { name: /Post to a webhook/ }), { target: { value: 'https://hooks.example.com/x' } });
    await fireEvent.input(screen.getByRole('textbox', { name: /signing secret/ }), { target: { value: 'sixteen-chars-secret' } });
    await fireEvent.submit(screen.getByRole('form', { name: 'New alert rule' }));
    expect(saved).toHaveLength(1);
    expect(saved[0]).toEqual({
      name: 'Payments',
      actionMatch: 'any',
      filterMatch: 'all',
      conditions: [{ id: IDS.firstSeen }, { id: IDS.regression }, { id: IDS.events, value: 250, interval: '5m', comparisonType: 'count' }],
      filters: [
        { id: IDS.level, match: 'gte', level: '40' },
        { id: IDS.tag, key: 'area', match: 'eq', value: 'payments' },
      ],
      actions: [
        { id: IDS.email, targetType: 'IssueOwners', fallthroughType: 'AllMembers' },
        { id: IDS.email, targetType: 'Member', targetIdentifier: 'a@example.com' },
        { id: IDS.email, targetType: 'Member', targetIdentifier: 'b@example.com' },
        { id: IDS.webhook, service: 'webhooks', url: 'https://hooks.example.com/x', secret: 'sixteen-chars-secret' },
      ],
      frequency: 30,
      environment: 'production',
      status: 'active',
    });
  });

  it('refuses to send a rule without an action and says why', async () => {
    const { saved, onsave } = saver();
    render(RuleForm, { props: { onsave } });
    await fireEvent.click(screen.getByRole('checkbox', { name: /Email the project's members/ }));
    await fireEvent.submit(screen.getByRole('form', { name: 'New alert rule' }));
    expect(saved).toHaveLength(0);
    expect(screen.getByRole('alert').textContent).toContain('at least one action');
  });

  it('shows the API’s refusal', async () => {
    render(RuleForm, { props: { onsave: async () => Promise.reject(new Error('actions[0].url must be an http or https URL')) } });
    await fireEvent.submit(screen.getByRole('form', { name: 'New alert rule' }));
    expect((await screen.findByRole('alert')).textContent).toBe('actions[0].url must be an http or https URL');
  });

  it('edits an existing rule: fields filled from it, what it cannot show kept as it was', async () => {
    const { saved, onsave } = saver();
    render(RuleForm, { props: { rule: answered, onsave } });
    expect((screen.getByRole('textbox', { name: 'Name' }) as HTMLInputElement).value).toBe('Checkout errors');
    expect((screen.getByRole('checkbox', { name: /A new issue is created/ }) as HTMLInputElement).checked).toBe(false);
    expect((screen.getByRole('checkbox', { name: /A resolved issue comes back/ }) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByRole('spinbutton', { name: 'Users' }) as HTMLInputElement).value).toBe('20');
    expect((screen.getByRole('combobox', { name: 'Users interval' }) as HTMLSelectElement).value).toBe('15m');
    expect((screen.getByRole('textbox', { name: 'Tag key' }) as HTMLInputElement).value).toBe('area');
    expect((screen.getByRole('textbox', { name: /Post to a webhook/ }) as HTMLInputElement).value).toBe('https://chat.example.com/hooks/T1');
    expect(screen.getByText(/Also kept: .*region starts with eu-/)).toBeTruthy();
    await fireEvent.input(screen.getByRole('spinbutton', { name: /minutes per issue/ }), { target: { value: '120' } });
    await fireEvent.submit(screen.getByRole('form', { name: 'Edit alert rule' }));
    expect(saved).toHaveLength(1);
    expect(saved[0]!.frequency).toBe(120);
    expect(saved[0]!.conditions.map((c) => c.id)).toEqual([IDS.regression, IDS.users]);
    expect(saved[0]!.filters).toContainEqual(answered.filters[2]);
    expect(saved[0]!.actions.map((a) => a['targetIdentifier'] ?? a['url'])).toEqual(['oncall@example.com', 'https://chat.example.com/hooks/T1']);
    expect(saved[0]!.environment).toBe('production');
  });
});

describe('rule-form', () => {
  it('an empty form alerts members on new issues every 30 minutes', () => {
    expect(ruleFromForm(emptyForm())).toMatchObject({ conditions: [{ id: IDS.firstSeen }], actions: [{ id: IDS.email, targetType: 'IssueOwners' }], frequency: 30, environment: null });
  });

  it('reads back what it writes', () => {
    const { form, extra } = formFromRule(answered);
    const again = ruleFromForm(form, extra);
    expect(formFromRule(again).form).toEqual(form);
  });
});
