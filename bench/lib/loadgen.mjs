// A closed-loop HTTP load generator on Node's own keep-alive agent: `concurrency` clients each send one
// request, wait for the whole answer, and send the next, until `maxRequests` were sent or `maxMs` passed.
// Nothing but node:http; loopback only. A request may name its own URL (queue mode: several webhook
// processes); the agent keeps up to `concurrency` connections per process.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * @param {object} o
 * @param {string} o.url                 full URL (http://127.0.0.1:PORT/...)
 * @param {(i: number, client: number) => { body: string | Buffer, headers?: Record<string,string>, tag?: unknown, url?: string }} o.next
 *        the i-th request's body, extra headers and (optionally) URL, for client number `client` (called just
 *        before sending it)
 * @param {number} o.concurrency
 * @param {number} o.maxRequests
 * @param {number} o.maxMs
 * @param {number} [o.timeoutMs]         per request
 * @param {boolean} [o.keepBodies]       keep every answer's parsed JSON body (for outcome checks)
 */
export async function runLoad({
	url,
	next,
	concurrency,
	maxRequests,
	maxMs,
	timeoutMs = 60000,
	keepBodies = true,
}) {
	const defaultTarget = new URL(url);
	const agent = new http.Agent({
		keepAlive: true,
		maxSockets: concurrency,
		maxFreeSockets: concurrency,
	});
	const latencies = [];
	const statuses = {};
	const outcomes = {};
	const tags = [];
	let errors = 0;
	let sent = 0;
	const started = performance.now();
	const deadline = started + maxMs;

	const one = (request) =>
		new Promise((resolve) => {
			const t0 = performance.now();
			const target = request.url ? new URL(request.url) : defaultTarget;
			const req = http.request(
				{
					host: target.hostname,
					port: target.port,
					path: `${target.pathname}${target.search}`,
					method: 'POST',
					agent,
					headers: {
						'content-type': 'application/json',
						'content-length': Buffer.byteLength(request.body),
						...(request.headers || {}),
					},
					timeout: timeoutMs,
				},
				(res) => {
					const chunks = [];
					res.on('data', (c) => chunks.push(c));
					res.on('end', () => {
						latencies.push(performance.now() - t0);
						statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
						let outcome = String(res.statusCode);
						if (keepBodies) {
							try {
								const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
								if (body && typeof body.status === 'string')
									outcome = `${res.statusCode} ${body.status}`;
							} catch {
								/* not JSON */
							}
						}
						outcomes[outcome] = (outcomes[outcome] || 0) + 1;
						tags.push({ tag: request.tag, outcome });
						resolve();
					});
					res.on('error', () => {
						errors += 1;
						resolve();
					});
				},
			);
			req.on('timeout', () => req.destroy(new Error('timeout')));
			req.on('error', () => {
				errors += 1;
				resolve();
			});
			req.end(request.body);
		});

	const worker = async (_, client) => {
		while (sent < maxRequests && performance.now() < deadline) {
			const i = sent;
			sent += 1;
			await one(next(i, client));
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	const elapsedMs = performance.now() - started;
	const endedAt = Date.now(); // the senders have stopped: every answer is in
	agent.destroy();
	return {
		sent,
		answered: latencies.length,
		errors,
		elapsedMs,
		latencies,
		statuses,
		outcomes,
		tags,
		startedAt: endedAt - elapsedMs,
		endedAt,
	};
}

/** One POST with a keep-alive-less client; resolves { status, body, ms }. */
export function postOnce(url, body, headers = {}, timeoutMs = 600000) {
	return new Promise((resolve, reject) => {
		const target = new URL(url);
		const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
		const t0 = performance.now();
		const req = http.request(
			{
				host: target.hostname,
				port: target.port,
				path: `${target.pathname}${target.search}`,
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'content-length': Buffer.byteLength(payload),
					...headers,
				},
				timeout: timeoutMs,
			},
			(res) => {
				const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let parsed = text;
					try {
						parsed = JSON.parse(text);
					} catch {
						/* text */
					}
					resolve({ status: res.statusCode, body: parsed, ms: performance.now() - t0 });
				});
			},
		);
		req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
		req.on('error', reject);
		req.end(payload);
	});
}

/** GET returning parsed JSON. */
export function getJson(url, timeoutMs = 10000) {
	return new Promise((resolve, reject) => {
		const req = http.get(url, { timeout: timeoutMs }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				try {
					resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
				} catch (error) {
					reject(error);
				}
			});
		});
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', reject);
	});
}
