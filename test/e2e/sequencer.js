// Runs the end-to-end files in name order: they share one n8n, and the last one checks what all left behind.
const Sequencer = require('@jest/test-sequencer').default;

class NameOrderSequencer extends Sequencer {
	sort(tests) {
		return [...tests].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
	}
}

module.exports = NameOrderSequencer;
