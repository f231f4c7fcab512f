import { createRoot } from 'react-dom/client';
import { App } from './App';

// Navigation start to here is the cost of loading the shell (see bench/web.ts).
performance.mark('spgq:shell-start');
createRoot(document.getElementById('root')!).render(<App />);
