// What a real-infrastructure run started (servers, n8n processes, temporary folders), so that it is stopped
// and removed whatever happens: a failing test, an exception, Ctrl-C, SIGTERM from CI. Types: cleanup.d.cts.
//
//   track(key, resource)   remember a process ({ pid, group, signal, match }) and/or a folder ({ dir })
//   untrack(key)           it was stopped (and removed) the normal way
//   releaseAllSync()       kill and remove everything still tracked, at once (synchronous: usable on exit)
//   installCleanup()       for Jest's globalSetup: see below
//
// Why a file: Jest runs test code in a sandbox whose `process` is a copy, so exit and signal handlers a test
// module adds never fire. installCleanup(), called from globalSetup (the real process), points
// ISPM_CLEANUP_REGISTRY at a file that track()/untrack() in the test sandbox keep up to date, and releases
// what the file lists when the process exits or is interrupted; globalTeardown calls releaseAllSync() again
// for whatever a failed afterAll left. Outside Jest, track() hooks the process itself.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REGISTRY_ENV = 'ISPM_CLEANUP_REGISTRY';

/** key → { pid?, group?, signal?, match?, dir? } */
const tracked = new Map();
let hooksInstalled = false;

function persist() {
	const file = process.env[REGISTRY_ENV];
	if (file) fs.writeFileSync(file, JSON.stringify(Object.fromEntries(tracked)));
}

/**
 * Tracks a resource under a key (replacing what the key held).
 * @param {string} key
 * @param {{ pid?: number, group?: boolean, signal?: string, match?: string, dir?: string }} resource
 *   pid: a process; group: it leads its own process group (started detached), signalled as a whole;
 *   signal: default SIGKILL; match: a string its command line contains (a pid reused by an unrelated
 *   process is never signalled); dir: a folder to remove (after the process, if both are given).
 */
function track(key, resource) {
	tracked.set(key, resource);
	persist();
	installHooks(process);
}

function untrack(key) {
	if (tracked.delete(key)) persist();
}

function commandLine(pid) {
	try {
		return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
	} catch {
		return null;
	}
}

function release(resource) {
	const { pid, group, signal = 'SIGKILL', match, dir } = resource;
	const cmdline = pid ? commandLine(pid) : null;
	const ours =
		pid && (cmdline === null ? fs.existsSync(`/proc/${pid}`) : !match || cmdline.includes(match));
	if (ours) {
		for (const target of group ? [-pid, pid] : [pid]) {
			try {
				process.kill(target, signal);
			} catch {
				/* already gone */
			}
		}
	}
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

function readRegistry() {
	const file = process.env[REGISTRY_ENV];
	if (!file) return {};
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		return {};
	}
}

/** Kills and removes everything still tracked (here and in the registry file); synchronous. */
function releaseAllSync() {
	const all = { ...readRegistry(), ...Object.fromEntries(tracked) };
	const keys = Object.keys(all);
	// Processes first, folders after: a server's folder goes once the server is gone.
	for (const key of keys) if (all[key].pid) release({ ...all[key], dir: undefined });
	for (const key of keys) if (all[key].dir) release({ dir: all[key].dir });
	if (keys.length) process.stderr.write(`[cleanup] released ${keys.join(', ')}\n`);
	tracked.clear();
	persist();
}

function installHooks(proc) {
	if (hooksInstalled) return;
	hooksInstalled = true;
	proc.on('exit', finishCleanup);
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		proc.once(signal, () => {
			finishCleanup();
			proc.kill(proc.pid, signal);
		});
	}
}

/** Jest globalSetup: a registry file for this run, and exit/signal hooks on the real process. */
function installCleanup() {
	if (!process.env[REGISTRY_ENV]) {
		process.env[REGISTRY_ENV] = path.join(os.tmpdir(), `ispm-cleanup-${process.pid}.json`);
		fs.writeFileSync(process.env[REGISTRY_ENV], '{}');
	}
	installHooks(process);
}

/** Releases what is left and removes the registry file (Jest globalTeardown; also on exit and signals). */
function finishCleanup() {
	releaseAllSync();
	const file = process.env[REGISTRY_ENV];
	if (file) fs.rmSync(file, { force: true });
}

module.exports = { track, untrack, releaseAllSync, installCleanup, finishCleanup, REGISTRY_ENV };
