/** Entry point of the browser client (bundled by client/build.mjs into client/dist/main.js). */
import { render } from 'preact';
import { App } from './app.tsx';

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
