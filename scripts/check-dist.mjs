#!/usr/bin/env node
// Refuses to pack a package for publishing whose dist/ is missing, incomplete or older than its sources.
//
// Why it runs at all under this project's `ignore-scripts=true`: npm skips every lifecycle script then,
// `prepublishOnly` included, but `npm publish` applies package.json's `publishConfig` to the options it
// packs with, and `publishConfig: { "ignore-scripts": false }` turns the `prepack` script (this file) back
// on for publishing only. `npm pack` and installs keep ignoring scripts. (Read in npm 11's
// lib/commands/publish.js and libnpmpack; `npm publish --ignore-scripts` on the command line still wins.)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['credentials', 'lib', 'nodes'];

function sourcesUnder(dir) {
	const files = [];
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) files.push(...sourcesUnder(path));
		else if (/\.ts$/.test(entry.name) && !/\.d\.ts$/.test(entry.name)) files.push(path);
		else if (/\.node\.json$/.test(entry.name)) files.push(path);
	}
	return files;
}

/** Problems with dist/ (empty when it is complete and built from the current sources). */
export function distProblems(root = ROOT) {
	const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
	const problems = [];
	const declared = [manifest.main, ...manifest.n8n.nodes, ...manifest.n8n.credentials];
	for (const file of declared) {
		if (!existsSync(join(root, file))) problems.push(`${file} is missing`);
	}
	const sources = [
		join(root, 'index.ts'),
		...SOURCE_DIRS.flatMap((dir) => sourcesUnder(join(root, dir))),
	];
	for (const source of sources) {
		const built = join(root, 'dist', relative(root, source).replace(/\.ts$/, '.js'));
		if (!existsSync(built)) problems.push(`${relative(root, built)} is missing`);
		else if (statSync(built).mtimeMs < statSync(source).mtimeMs)
			problems.push(`${relative(root, built)} is older than ${relative(root, source)}`);
	}
	return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const problems = distProblems();
	if (problems.length) {
		process.stderr.write(
			`\nRefusing to pack n8n-nodes-ispm for publishing: dist/ is not a build of these sources.\n` +
				problems
					.slice(0, 10)
					.map((p) => `  - ${p}\n`)
					.join('') +
				(problems.length > 10 ? `  … and ${problems.length - 10} more\n` : '') +
				`Build it first (npm run build), or release the way this project does: npm run release\n\n`,
		);
		process.exit(1);
	}
}
