/* eslint-disable @n8n/community-nodes/no-restricted-imports -- end-to-end test code: runs in Jest and drives a real n8n from outside */
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
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

function send(res: ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		'content-type': 'application/json',
		'content-length': Buffer.byteLength(text),
	});
	res.end(text);
}

export async function startSinkServer(): Promise<SinkServer> {
	let requests: SinkRequest[] = [];
	let scripts: ScriptedAnswer[] = [];

	const server: Server = createServer((req, res) => {
		readBody(req)
			.then((rawBody) => {
				const url = new URL(req.url ?? '/', 'http://127.0.0.1');
				if (url.pathname.startsWith('/__sink/')) {
					if (req.method === 'GET' && url.pathname === '/__sink/requests')
						return send(res, 200, requests);
					if (req.method === 'POST' && url.pathname === '/__sink/reset') {
						requests = [];
						scripts = [];
						return send(res, 200, { ok: true });
					}
					if (req.method === 'POST' && url.pathname === '/__sink/script') {
						const script = JSON.parse(rawBody) as ScriptedAnswer;
						scripts.push({ ...script, times: script.times ?? 1 });
						return send(res, 200, { ok: true });
					}
					return send(res, 404, { error: 'unknown sink control request' });
				}
				let body: unknown = rawBody;
				try {
					body = JSON.parse(rawBody);
				} catch {
					// not JSON: keep the text
				}
				const script = scripts.find((s) => s.path === url.pathname && s.times > 0);
				if (script) script.times -= 1;
				const status = script ? script.status : 200;
				requests.push({
					method: req.method ?? '',
					url: req.url ?? '',
					path: url.pathname,
					query: Object.fromEntries(url.searchParams.entries()),
					headers: { ...req.headers },
					rawBody,
					body,
					answeredStatus: status,
				});
				return send(
					res,
					status,
					script?.body ?? (status < 300 ? { ok: true } : { error: `sink answered ${status}` }),
				);
			})
			.catch((error: unknown) => send(res, 500, { error: String(error) }));
	});

	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		port,
		url: `http://127.0.0.1:${port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
