// The receiving end for figure 4, run as its own process (so the bench's load generator and the sink do not
// share an event loop): answers every POST under /hook/ with 200 {"ok":true} after reading the body, and
// counts what it got. GET /__stats → { requests, authorized, bytes }; POST /__reset zeroes the counters.
//
//   node bench/lib/sink.mjs <port> <header name> <header value>
// Prints "listening <port>" on stdout when ready.
import http from 'node:http';

const [port, keyName, keyValue] = [
	Number(process.argv[2] || 0),
	(process.argv[3] || '').toLowerCase(),
	process.argv[4] || '',
];
let stats = { requests: 0, authorized: 0, bytes: 0, badJson: 0 };

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		if (req.method === 'GET' && req.url === '/__stats') {
			res.writeHead(200, { 'content-type': 'application/json' });
			return res.end(JSON.stringify(stats));
		}
		if (req.method === 'POST' && req.url === '/__reset') {
			stats = { requests: 0, authorized: 0, bytes: 0, badJson: 0 };
			res.writeHead(200, { 'content-type': 'application/json' });
			return res.end('{}');
		}
		if (req.method === 'POST' && req.url.startsWith('/hook/')) {
			const body = Buffer.concat(chunks);
			stats.requests += 1;
			stats.bytes += body.length;
			if (keyName && req.headers[keyName] === keyValue) stats.authorized += 1;
			try {
				JSON.parse(body.toString('utf8'));
			} catch {
				stats.badJson += 1;
			}
			res.writeHead(200, { 'content-type': 'application/json' });
			return res.end('{"ok":true}');
		}
		res.writeHead(404);
		res.end();
	});
});
server.keepAliveTimeout = 30000;
server.listen(port, '127.0.0.1', () => {
	process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('disconnect', () => process.exit(0));
