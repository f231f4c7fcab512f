// The pacer is the platform's (one per process for every activity feed notification the app sends).
export { SlidingWindowPacer } from '../../platform/adapters/pacer';
