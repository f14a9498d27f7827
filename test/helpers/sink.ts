/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals --
 * test code runs in Jest, not inside n8n: it starts real servers and waits on timers. */
/**
 * A real HTTP server on 127.0.0.1 that records every request and answers from a script: the receiving
 * system in tests of everything that sends (Test connection, the ISPM Event Hook node).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
	method: string;
	/** Path and query as sent. */
	url: string;
	path: string;
	query: Record<string, string>;
	headers: IncomingMessage['headers'];
	rawBody: string;
	body: unknown;
	receivedAt: number;
}

export interface Reply {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
	/** Wait this long before answering. */
	delayMs?: number;
	/** Close the socket without answering. */
	destroy?: boolean;
}

export type Responder = (request: RecordedRequest, index: number) => Reply | Promise<Reply>;

export interface Sink {
	url: string;
	requests: RecordedRequest[];
	maxInFlight: number;
	respondWith(responder: Responder): void;
	close(): Promise<void>;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startSink(responder: Responder = () => ({ status: 200, body: { ok: true } })): Promise<Sink> {
	let current = responder;
	let inFlight = 0;
	const sink: Sink = {
		url: '',
		requests: [],
		maxInFlight: 0,
		respondWith(next) {
			current = next;
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
	const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
		const chunks: Buffer[] = [];
		inFlight += 1;
		sink.maxInFlight = Math.max(sink.maxInFlight, inFlight);
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', async () => {
			const rawBody = Buffer.concat(chunks).toString('utf8');
			const url = new URL(req.url ?? '/', 'http://127.0.0.1');
			let body: unknown = rawBody;
			try {
				body = JSON.parse(rawBody);
			} catch {
				// not JSON: keep the text
			}
			const recorded: RecordedRequest = {
				method: req.method ?? '',
				url: req.url ?? '',
				path: url.pathname,
				query: Object.fromEntries(url.searchParams.entries()),
				headers: req.headers,
				rawBody,
				body,
				receivedAt: Date.now(),
			};
			const index = sink.requests.push(recorded) - 1;
			const reply = await current(recorded, index);
			if (reply.delayMs) await wait(reply.delayMs);
			inFlight -= 1;
			if (reply.destroy) {
				req.socket.destroy();
				return;
			}
			const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
			res.writeHead(reply.status, {
				...(reply.body === undefined ? {} : { 'content-type': 'application/json' }),
				...reply.headers,
			});
			res.end(payload);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return sink;
}

/** A port on 127.0.0.1 that nothing listens on (it was bound, then released). */
export async function unusedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}
