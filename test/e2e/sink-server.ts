/**
 * The receiving system in the end-to-end tests: a real HTTP server on 127.0.0.1 that records every request
 * (method, url, path, query, headers, body) and answers 200 `{"ok":true}`, or what it was told to answer.
 *
 * It runs in Jest's global setup (it must outlive single test files, and n8n's credentials point to it),
 * so test files control it over HTTP under /__sink/ (see SinkClient in harness.ts):
 *   GET  /__sink/requests          every recorded request, oldest first
 *   POST /__sink/reset             forget recorded requests and scripted answers
 *   POST /__sink/script            {"path": "/hook/header", "status": 503, "times": 1, "body": {...}}
 *                                   the next `times` requests to `path` get that answer
 */
import { startSink, type RecordedRequest, type Reply } from '../helpers/sink';

export interface SinkRequest {
	method: string;
	url: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, string | string[] | undefined>;
	rawBody: string;
	body: unknown;
	/** Status the sink answered with. */
	answeredStatus: number;
}

interface ScriptedAnswer {
	path: string;
	status: number;
	times: number;
	body?: unknown;
}

export interface SinkServer {
	url: string;
	port: number;
	close(): Promise<void>;
}

/** The recording server of the unit tests (test/helpers/sink.ts), with the control API above on top. */
export async function startSinkServer(): Promise<SinkServer> {
	let requests: SinkRequest[] = [];
	let scripts: ScriptedAnswer[] = [];

	const control = (request: RecordedRequest): Reply => {
		if (request.method === 'GET' && request.path === '/__sink/requests') {
			return { status: 200, body: requests };
		}
		if (request.method === 'POST' && request.path === '/__sink/reset') {
			requests = [];
			scripts = [];
			return { status: 200, body: { ok: true } };
		}
		if (request.method === 'POST' && request.path === '/__sink/script') {
			const script = request.body as ScriptedAnswer;
			scripts.push({ ...script, times: script.times ?? 1 });
			return { status: 200, body: { ok: true } };
		}
		return { status: 404, body: { error: 'unknown sink control request' } };
	};

	const sink = await startSink((request) => {
		if (request.path.startsWith('/__sink/')) return control(request);
		const script = scripts.find((s) => s.path === request.path && s.times > 0);
		if (script) script.times -= 1;
		const status = script ? script.status : 200;
		requests.push({
			method: request.method,
			url: request.url,
			path: request.path,
			query: request.query,
			headers: { ...request.headers },
			rawBody: request.rawBody,
			body: request.body,
			answeredStatus: status,
		});
		return {
			status,
			body: script?.body ?? (status < 300 ? { ok: true } : { error: `sink answered ${status}` }),
		};
	});
	return { url: sink.url, port: Number(new URL(sink.url).port), close: () => sink.close() };
}
