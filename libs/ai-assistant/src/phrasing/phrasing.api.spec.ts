import type { ServerResponse } from 'node:http';
import { API, startAssistantHarness, tenantKey } from '../test-support/assistant-harness';
import { answer, fakeModel, type ChatRequest } from '../test-support/fake-model';
import type { TaskView } from '../tasks/task-view';

/** The service with LLM_BASE_URL set, on a stand-in model: what a tenant's task answers. */
async function taskResultWith(respond: (body: ChatRequest, res: ServerResponse) => void) {
  const model = await fakeModel(respond);
  const harness = await startAssistantHarness({
    serviceEnv: {
      LLM_BASE_URL: model.baseUrl,
      LLM_MODEL: 'local-test',
      LLM_TIMEOUT: '2000',
      LLM_API_KEY: 'llm-key-for-the-test-0123456789',
    },
  });
  try {
    const acme = tenantKey('ten_llm');
    const created = await harness.call(acme, 'POST', `${API}/tasks`, {
      body: {
        action: 'automate_support',
        parameters: { subject: 'Leaked key tnt_llm_secretpart', text: 'Our key tnt_llm_secretpart leaked, revoke it please.' },
      },
    });
    const task = await harness.waitForTask(acme, (created.body as TaskView).id);
    return { task, requests: model.requests };
  } finally {
    await harness.close();
    await model.close();
  }
}

describe('LLM phrasing in the service (LLM_BASE_URL)', () => {
  it('when a model is configured, then the task’s reply is its wording and the result names the model', async () => {
    const { task, requests } = await taskResultWith((body, res) => {
      const prompt = body.messages[1]?.content ?? '';
      answer(res, `Dear customer — ${prompt.slice(prompt.lastIndexOf(':\n\n') + 3)}`);
    });
    expect(task).toMatchObject({ status: 'succeeded', result: { phrasing: { by: 'llm', model: 'local-test', fallback_reason: null } } });
    expect((task.result as { reply: { body: string } }).reply.body).toMatch(/^Dear customer — Hello,/);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.map((r) => r.raw).join('')).not.toContain('tnt_llm_secretpart');
  });

  it('when the model answers 500, then the task still succeeds with the built-in wording and says why', async () => {
    const { task } = await taskResultWith((_body, res) => res.writeHead(500).end('{}'));
    expect(task).toMatchObject({
      status: 'succeeded',
      result: { phrasing: { by: 'built_in', model: 'local-test', fallback_reason: 'the model answered 500' } },
    });
    expect((task.result as { reply: { body: string } }).reply.body).toMatch(/^Hello,/);
  });
});
