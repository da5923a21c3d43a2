/** An OpenAI-compatible chat completions endpoint (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp, LocalAI, …). */
export interface LlmEndpoint {
  /** The API root, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`: `/chat/completions` is added. */
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
  timeoutMs: number;
}

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

/** The model did not give a usable answer: the reason is safe to show (it holds no request content or key). */
export class LlmUnavailableError extends Error {}

/** One `POST {baseUrl}/chat/completions`: the first choice's text, or LlmUnavailableError (timeout, non-2xx, no text). */
export async function chatCompletion(endpoint: LlmEndpoint, messages: readonly ChatMessage[], signal?: AbortSignal): Promise<string> {
  const timeout = AbortSignal.timeout(endpoint.timeoutMs);
  let response: Response;
  try {
    response = await fetch(`${endpoint.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: endpoint.model, messages, temperature: 0.2 }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    if (timeout.aborted) throw new LlmUnavailableError(`the model did not answer within ${endpoint.timeoutMs} ms`);
    if (signal?.aborted) throw new LlmUnavailableError('the task stopped while the model was answering');
    throw new LlmUnavailableError(`the model could not be reached (${error instanceof Error ? error.message : String(error)})`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    if (timeout.aborted) throw new LlmUnavailableError(`the model did not answer within ${endpoint.timeoutMs} ms`);
    throw new LlmUnavailableError(`the model answered ${response.status} without JSON`);
  }
  if (!response.ok) throw new LlmUnavailableError(`the model answered ${response.status}`);
  const content = (body as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content;
  if (typeof content !== 'string' || content.trim() === '') throw new LlmUnavailableError('the model answered without text');
  return content.trim();
}
