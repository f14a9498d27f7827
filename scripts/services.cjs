// Redis and Postgres for the real-infrastructure suites (test:queue, test:crash): Debian's `redis-server` and
// `postgresql`, installed when missing, each started on a free loopback port with its files in its own
// temporary folder, stopped and removed at the end. CommonJS for the same reason as n8n-instance.cjs.
// Types: services.d.cts.
//
//   ensureServerPackages()   apt-get install redis-server / postgresql when their binaries are missing (root)
//   startRedis()             redis-server on 127.0.0.1:<free port>; stop() / start() again on the same port
//   startPostgres()          a fresh cluster (initdb) with one database and one password user for n8n
//
// Both are tracked (cleanup.cjs) until stopped and removed, so an interrupted run leaves nothing behind.
//
// Postgres refuses to run as root: as root the cluster belongs to the `postgres` system user (runuser),
// otherwise to the current user. Both servers are tuned for tests (no fsync, no snapshots): the suites kill
// n8n, never these servers, mid-write.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const tls = require('node:tls');
const os = require('node:os');
const path = require('node:path');
const { randomBytes } = require('node:crypto');

const { track, untrack } = require('./cleanup.cjs');
const { getFreePort, isAlive, sleep } = require('./n8n-instance.cjs');

const log = (msg) => process.stderr.write(`[services] ${msg}\n`);

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function which(command) {
	const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
	return result.status === 0 ? result.stdout.trim() : null;
}

/** Debian's server binaries for Postgres (not on PATH): /usr/lib/postgresql/<newest major>/bin, or null. */
function postgresBinDir() {
	const base = '/usr/lib/postgresql';
	if (!fs.existsSync(base)) return null;
	const majors = fs
		.readdirSync(base)
		.filter((v) => /^\d+$/.test(v) && fs.existsSync(path.join(base, v, 'bin', 'initdb')))
		.sort((a, b) => Number(b) - Number(a));
	return majors.length ? path.join(base, majors[0], 'bin') : null;
}

/**
 * Installs Debian's `redis-server` and/or `postgresql` when their programs are missing (`apt-get update`,
 * then `apt-get install -y`; about a minute). Needs root; otherwise throws saying what to install.
 * @param {Array<'redis-server' | 'postgresql'>} [packages] what is needed (default: both)
 * @returns {{ redisServer: string | null, postgresBin: string | null }} null for what was not asked for
 */
function ensureServerPackages(packages = ['redis-server', 'postgresql']) {
	const present = {
		'redis-server': () => which('redis-server'),
		postgresql: () => postgresBinDir(),
	};
	const missing = packages.filter((name) => !present[name]());
	if (missing.length) {
		if (!isRoot()) {
			throw new Error(
				`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed, and installing needs root: run \`sudo apt-get install -y ${missing.join(' ')}\` (Debian/Ubuntu) and start the suite again`,
			);
		}
		const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
		log(`installing ${missing.join(', ')} (apt-get)`);
		// Debian starts a package's service on install (Redis on 6379, a Postgres cluster on 5432) unless
		// policy-rc.d says no: the suites run their own servers and must leave nothing running.
		const policy = '/usr/sbin/policy-rc.d';
		const ownPolicy = !fs.existsSync(policy);
		if (ownPolicy) fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
		try {
			for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
				const result = spawnSync('apt-get', args, { env, encoding: 'utf8', stdio: 'pipe' });
				if (result.status !== 0) {
					throw new Error(
						`apt-get ${args.join(' ')} failed (exit code ${result.status}):\n${`${result.stdout}${result.stderr}`.slice(-3000)}`,
					);
				}
			}
		} finally {
			if (ownPolicy) fs.rmSync(policy, { force: true });
		}
		const still = missing.filter((name) => !present[name]());
		if (still.length)
			throw new Error(`apt-get succeeded, but ${still.join(' and ')} is still missing`);
	}
	return {
		redisServer: packages.includes('redis-server') ? which('redis-server') : null,
		postgresBin: packages.includes('postgresql') ? postgresBinDir() : null,
	};
}

async function waitGone(pid, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	while (isAlive(pid) && Date.now() < deadline) await sleep(100);
	return !isAlive(pid);
}

function tailOf(file, chars = 3000) {
	try {
		return fs.readFileSync(file, 'utf8').slice(-chars);
	} catch {
		return '';
	}
}

// ---- Redis ----

/**
 * Sends one inline command to a Redis server; resolves with its first reply line (e.g. `+PONG`, or
 * `-NOAUTH …` from a server with a password). `useTls`: the server speaks only TLS (certificate not checked).
 */
function redisCommand(port, command, timeoutMs = 2000, useTls = false) {
	return new Promise((resolve, reject) => {
		const socket = useTls
			? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
			: net.connect({ host: '127.0.0.1', port });
		let reply = '';
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error(`no answer from Redis on port ${port}`));
		}, timeoutMs);
		socket.on(useTls ? 'secureConnect' : 'connect', () => socket.write(`${command}\r\n`));
		socket.on('data', (chunk) => {
			reply += chunk.toString('utf8');
			if (reply.includes('\r\n')) {
				clearTimeout(timer);
				socket.end();
				resolve(reply.slice(0, reply.indexOf('\r\n')));
			}
		});
		socket.on('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
	});
}

/**
 * Starts `redis-server` on 127.0.0.1 and a free port, its files (append-only log, redis.log) in a fresh
 * temporary folder; resolves once it answers PING.
 *
 * The returned handle can stop the server (SHUTDOWN by SIGTERM: the append-only file is flushed, so what
 * was written survives) and start it again on the same port and folder, as a restarted production Redis
 * would come back. `remove()` stops it and deletes its folder.
 * @param {{ name?: string, persist?: boolean, extraArgs?: string[], tls?: boolean }} [options]
 *   persist: append-only file on (default true); extraArgs: more redis-server options (e.g.
 *   ['--requirepass', p], ['--replicaof', host, port]); tls: speak only TLS on the port, with a self-signed
 *   certificate made by openssl in the server's folder.
 */
async function startRedis({
	name = 'redis',
	persist = true,
	extraArgs = [],
	tls: useTls = false,
} = {}) {
	const { redisServer } = ensureServerPackages(['redis-server']);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ispm-${name}-`));
	const port = await getFreePort();
	const logFile = path.join(dir, 'redis.log');
	const key = `${name} on port ${port}`;
	track(`${key}: folder`, { dir });
	let child = null;

	const tlsArgs = useTls ? selfSignedTlsArgs(dir, port) : [];
	const args = [
		'--port',
		useTls ? '0' : String(port),
		'--bind',
		'127.0.0.1',
		'--dir',
		dir,
		'--logfile',
		logFile,
		'--daemonize',
		'no',
		'--save',
		'',
		'--appendonly',
		persist ? 'yes' : 'no',
		'--appendfsync',
		'no',
		...tlsArgs,
		...extraArgs,
	];

	async function start() {
		if (child) throw new Error(`${name} is already running`);
		const spawned = spawn(redisServer, args, { stdio: 'ignore', cwd: dir });
		child = spawned;
		let exited = null;
		spawned.on('exit', (code, signal) => {
			exited = { code, signal };
			if (child === spawned) child = null;
		});
		track(key, { pid: spawned.pid, match: 'redis-server' });
		const deadline = Date.now() + 30000;
		for (;;) {
			if (exited)
				throw new Error(
					`${name} exited while starting (code ${exited.code}, signal ${exited.signal}):\n${tailOf(logFile)}`,
				);
			try {
				// Any reply: a server with a password answers -NOAUTH.
				if (/^[+-]/.test(await redisCommand(port, 'PING', 2000, useTls))) break;
			} catch {
				// not listening yet
			}
			if (Date.now() > deadline) throw new Error(`${name} did not answer PING on port ${port}`);
			await sleep(50);
		}
	}

	async function stop() {
		const current = child;
		if (!current) return;
		const { pid } = current;
		current.kill('SIGTERM');
		if (!(await waitGone(pid, 15000))) {
			current.kill('SIGKILL');
			await waitGone(pid, 5000);
		}
		child = null;
		untrack(key);
	}

	async function remove() {
		await stop();
		fs.rmSync(dir, { recursive: true, force: true });
		untrack(`${key}: folder`);
	}

	await start();
	log(`${name} listening on 127.0.0.1:${port} (${dir})`);
	return {
		name,
		host: '127.0.0.1',
		port,
		dir,
		logFile,
		isRunning: () => child !== null,
		command: (command) => redisCommand(port, command, 2000, useTls),
		start,
		stop,
		remove,
	};
}

/** redis-server options for TLS only on `port`, with a self-signed certificate written into `dir`. */
function selfSignedTlsArgs(dir, port) {
	const cert = path.join(dir, 'cert.pem');
	const key = path.join(dir, 'key.pem');
	const made = spawnSync(
		'openssl',
		[
			'req',
			'-x509',
			'-newkey',
			'rsa:2048',
			'-nodes',
			'-days',
			'1',
			'-subj',
			'/CN=localhost',
		].concat(['-keyout', key, '-out', cert]),
		{ encoding: 'utf8' },
	);
	if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`);
	return [
		'--tls-port',
		String(port),
		'--tls-cert-file',
		cert,
		'--tls-key-file',
		key,
		'--tls-ca-cert-file',
		cert,
		'--tls-auth-clients',
		'no',
	];
}

// ---- Postgres ----

/**
 * Starts a fresh Postgres cluster on 127.0.0.1 and a free port in a temporary folder (initdb, pg_ctl), with
 * database `n8n` owned by user `n8n` (a random password, scram-sha-256 over TCP). Administration goes
 * through the cluster's Unix socket in that folder with peer authentication, as its owner.
 * @returns handle with connection facts, `psql(sql)`, `stop()`, `remove()`
 */
async function startPostgres({ name = 'postgres' } = {}) {
	const { postgresBin } = ensureServerPackages(['postgresql']);
	const asRoot = isRoot();
	const osUser = asRoot ? 'postgres' : os.userInfo().username;
	// The cluster's owner must reach its folder: as root, a private TMPDIR (e.g. under /root) will not do.
	const parent =
		asRoot && spawnSync('runuser', ['-u', osUser, '--', 'test', '-w', os.tmpdir()]).status !== 0
			? '/tmp'
			: os.tmpdir();
	const dir = fs.mkdtempSync(path.join(parent, `ispm-${name}-`));
	const dataDir = path.join(dir, 'data');
	const logFile = path.join(dir, 'postgres.log');
	const port = await getFreePort();
	const superPassword = randomBytes(18).toString('hex');
	const password = randomBytes(18).toString('hex');
	const key = `${name} on port ${port}`;
	track(`${key}: folder`, { dir });
	const pwFile = path.join(dir, 'superuser.pw');
	fs.writeFileSync(pwFile, `${superPassword}\n`, { mode: 0o600 });
	if (asRoot) {
		const { uid, gid } = userIds(osUser);
		fs.chownSync(dir, uid, gid);
		fs.chownSync(pwFile, uid, gid);
	}

	/** Runs a Postgres program as the cluster's owner; throws with its output when it fails. */
	const run = (program, args) => {
		const bin = path.join(postgresBin, program);
		const [cmd, cmdArgs] = asRoot ? ['runuser', ['-u', osUser, '--', bin, ...args]] : [bin, args];
		const result = spawnSync(cmd, cmdArgs, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
		if (result.error) throw result.error;
		if (result.status !== 0) {
			throw new Error(
				`${program} ${args.join(' ')} failed (exit code ${result.status}):\n${`${result.stdout}${result.stderr}`.slice(-3000)}${program === 'pg_ctl' ? `\n--- ${logFile} ---\n${tailOf(logFile)}` : ''}`,
			);
		}
		return result.stdout;
	};

	run('initdb', [
		'-D',
		dataDir,
		'-U',
		osUser,
		'--pwfile',
		pwFile,
		'--auth-local=peer',
		'--auth-host=scram-sha-256',
		'-E',
		'UTF8',
		'--locale=C',
		'--no-sync',
	]);
	fs.rmSync(pwFile, { force: true });

	const options = [
		`-p ${port}`,
		`-k ${dir}`,
		"-c listen_addresses='127.0.0.1'",
		'-c fsync=off',
		'-c synchronous_commit=off',
		'-c full_page_writes=off',
	].join(' ');
	const postmasterPid = () => {
		try {
			return Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
		} catch {
			return 0;
		}
	};
	let started = false;

	function start() {
		run('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '120', 'start']);
		started = true;
		// Last resort: immediate shutdown (SIGQUIT), the postmaster ends its backends itself.
		track(key, { pid: postmasterPid(), signal: 'SIGQUIT', match: 'postgres' });
	}

	function psql(sql, database = 'postgres') {
		return run('psql', [
			'-h',
			dir,
			'-p',
			String(port),
			'-U',
			osUser,
			'-d',
			database,
			'-v',
			'ON_ERROR_STOP=1',
			'-X',
			'-q',
			'-A',
			'-t',
			'-c',
			sql,
		]);
	}

	async function stop() {
		if (!started) return;
		const pid = postmasterPid();
		try {
			run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
		} catch (error) {
			log(`pg_ctl stop failed, killing the postmaster: ${error.message}`);
			if (pid && isAlive(pid)) process.kill(pid, 'SIGQUIT');
		}
		if (pid) await waitGone(pid, 15000);
		started = false;
		untrack(key);
	}

	async function remove() {
		await stop();
		fs.rmSync(dir, { recursive: true, force: true });
		untrack(`${key}: folder`);
	}

	try {
		start();
		psql(`CREATE ROLE n8n LOGIN PASSWORD '${password}'`);
		psql('CREATE DATABASE n8n OWNER n8n');
	} catch (error) {
		await remove();
		throw error;
	}
	log(`${name} listening on 127.0.0.1:${port} (${dir})`);
	return {
		name,
		host: '127.0.0.1',
		port,
		database: 'n8n',
		user: 'n8n',
		password,
		dir,
		logFile,
		psql,
		stop,
		remove,
	};
}

function userIds(user) {
	const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
	const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
	if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0)
		throw new Error(`there is no system user ${user} (it comes with Debian's postgresql package)`);
	return { uid, gid };
}

module.exports = {
	ensureServerPackages,
	postgresBinDir,
	startRedis,
	startPostgres,
	redisCommand,
	tailOf,
};
