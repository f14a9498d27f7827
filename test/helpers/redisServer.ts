/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-dangerous-functions -- test code runs in Jest, not in n8n, and starts a real redis-server */
/**
 * A real Redis for tests: Debian's `redis-server` (installed with apt-get when missing, as root), on a free
 * loopback port, without persistence, in a temporary folder. `stop()` / `start()` again on the same port
 * model an outage and a restart.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const which = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/** Makes sure `redis-server` is installed (Debian's package). */
export function ensureRedisServer(): void {
	if (which('redis-server')) return;
	if (spawnSync('id', ['-u'], { encoding: 'utf8' }).stdout.trim() !== '0') {
		throw new Error(
			'redis-server is not installed and this is not root: run `apt-get install redis-server` as root',
		);
	}
	for (const args of [
		['update', '-qq'],
		['install', '-y', '-qq', 'redis-server'],
	]) {
		const result = spawnSync('apt-get', args, {
			stdio: 'inherit',
			env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
		});
		if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${result.status})`);
	}
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

function answersPing(port: number, useTls: boolean): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = useTls
			? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false })
			: net.connect(port, '127.0.0.1');
		socket.setTimeout(1000);
		socket.on(useTls ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
		socket.on('data', (data) => {
			socket.destroy();
			// Any reply will do: a server with a password answers -NOAUTH.
			resolve(/^[+-]/.test(data.toString()));
		});
		socket.on('error', () => resolve(false));
		socket.on('timeout', () => {
			socket.destroy();
			resolve(false);
		});
	});
}

export class RedisServer {
	private child?: ChildProcess;

	private readonly dir = mkdtempSync(join(tmpdir(), 'ispm-redis-'));

	private constructor(
		readonly port: number,
		private readonly extraArgs: string[],
		private readonly tls = false,
	) {}

	/** Starts a server; `extraArgs` are redis-server options, e.g. ['--requirepass', 'x']. */
	static async start(extraArgs: string[] = []): Promise<RedisServer> {
		ensureRedisServer();
		const server = new RedisServer(await freePort(), extraArgs);
		await server.start();
		return server;
	}

	/** Starts a server that speaks only TLS on `port`, with a self-signed certificate made by openssl. */
	static async startTls(): Promise<RedisServer> {
		ensureRedisServer();
		const port = await freePort();
		const dir = mkdtempSync(join(tmpdir(), 'ispm-redis-tls-'));
		const made = spawnSync('openssl', [
			'req',
			'-x509',
			'-newkey',
			'rsa:2048',
			'-nodes',
			'-days',
			'1',
			'-subj',
			'/CN=localhost',
			'-keyout',
			join(dir, 'key.pem'),
			'-out',
			join(dir, 'cert.pem'),
		]);
		if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr.toString()}`);
		const server = new RedisServer(
			port,
			[
				'--tls-port',
				String(port),
				'--tls-cert-file',
				join(dir, 'cert.pem'),
				'--tls-key-file',
				join(dir, 'key.pem'),
				'--tls-ca-cert-file',
				join(dir, 'cert.pem'),
				'--tls-auth-clients',
				'no',
			],
			true,
		);
		await server.start();
		return server;
	}

	get url(): string {
		return `redis://127.0.0.1:${this.port}`;
	}

	async start(): Promise<void> {
		this.child = spawn(
			'redis-server',
			[
				'--port',
				this.tls ? '0' : String(this.port),
				'--bind',
				'127.0.0.1',
				'--save',
				'',
				'--appendonly',
				'no',
				'--dir',
				this.dir,
				...this.extraArgs,
			],
			{ stdio: ['ignore', this.logFd(), this.logFd()] },
		);
		for (let i = 0; i < 100; i++) {
			if (await answersPing(this.port, this.tls)) return;
			if (this.child.exitCode !== null)
				throw new Error(`redis-server exited (${this.child.exitCode}): ${this.log().slice(-300)}`);
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		throw new Error(`redis-server did not answer on port ${this.port}`);
	}

	private logFd(): number {
		const fd = openSync(join(this.dir, 'redis.log'), 'a');
		setImmediate(() => closeSync(fd));
		return fd;
	}

	private log(): string {
		return readFileSync(join(this.dir, 'redis.log'), 'utf8');
	}

	async stop(): Promise<void> {
		const child = this.child;
		this.child = undefined;
		if (!child || child.exitCode !== null) return;
		await new Promise<void>((resolve) => {
			child.once('exit', () => resolve());
			child.kill('SIGKILL');
		});
	}

	async close(): Promise<void> {
		await this.stop();
		rmSync(this.dir, { recursive: true, force: true });
	}
}
