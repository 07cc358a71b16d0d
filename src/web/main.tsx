// Hearth's web page (issue 12), served by the pod server at `<base>hearth/` (src/server/web-page.ts): the owner signs
// in (session.ts) and gets their pages (app.tsx): Home (home.tsx) for now, the others to come.
import { render } from 'preact';
import { App } from './app.js';
import './style.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
