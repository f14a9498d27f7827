// CPU time from /proc (Linux): of given processes, and of the whole machine, so that a burst's cost can be
// split into n8n, the servers it uses, the load generator, and everything else running on the machine.
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CLOCK_TICKS =
	Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

function statFields(pid) {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	} catch {
		return null;
	}
}

/** CPU time (user + system, ms) a process has used so far, all its threads; NaN when it is gone (or not Linux). */
export function processCpuMs(pid) {
	const f = pid ? statFields(pid) : null;
	return f ? ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS : NaN;
}

/** processCpuMs summed over several processes (a missing one counts 0). */
export function cpuMsOf(pids) {
	let sum = 0;
	for (const pid of pids) {
		const ms = processCpuMs(pid);
		if (Number.isFinite(ms)) sum += ms;
	}
	return sum;
}

/** Busy CPU time of the whole machine so far, all cores (ms): everything but idle and I/O wait. */
export function machineBusyMs() {
	try {
		const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
		const [user, nice, system, idle, iowait, irq, softirq, steal] = line
			.trim()
			.split(/\s+/)
			.slice(1)
			.map(Number);
		return ((user + nice + system + irq + softirq + (steal || 0)) * 1000) / CLOCK_TICKS;
	} catch {
		return NaN;
	}
}

/** CPU time (ms) this Node process has used: the load generator and the bench's own bookkeeping. */
export const ownCpuMs = () => {
	const u = process.cpuUsage();
	return (u.user + u.system) / 1000;
};

/** Pids of running processes whose command line satisfies `test` (string with NULs turned into spaces). */
export function findPids(test) {
	const found = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
			if (cmd && test(cmd, Number(entry))) found.push(Number(entry));
		} catch {
			/* gone */
		}
	}
	return found;
}

/** Parent pid of a process; NaN when it is gone. */
export function parentPid(pid) {
	const f = statFields(pid);
	return f ? Number(f[1]) : NaN;
}

/** The redis-server listening on `port` (its command line names the port). */
export const redisServerPid = (port) =>
	findPids(
		(cmd) =>
			cmd.includes('redis-server') && (cmd.includes(`:${port}`) || cmd.includes(`--port ${port}`)),
	)[0];

/** A Postgres server's processes: its postmaster (first line of postmaster.pid in its data folder) and its children. */
export function postgresPids(dataDir) {
	let postmaster;
	try {
		postmaster = Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
	} catch {
		return [];
	}
	return [
		postmaster,
		...findPids((cmd, pid) => cmd.startsWith('postgres') && parentPid(pid) === postmaster),
	];
}
