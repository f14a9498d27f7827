/** Jest globalTeardown: stops and removes whatever the suite's own afterAll left (after a failure there). */
import { finishCleanup } from '../../scripts/cleanup.cjs';

export default function globalTeardown(): void {
	finishCleanup();
}
