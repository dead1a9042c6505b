/**
 * The proof report as one self-contained HTML page for people: no network,
 * no external asset, no script; inline CSS only. The summary comes first,
 * then one row per function that opens (<details>) to its obligations.
 * Every string from the report is escaped: names come from user input.
 */
import type { FunctionReport, ProofReport } from './format.ts';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
const num = (n: number) => n.toLocaleString('en-US');

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#1b1b1b}
h1{font-size:1.5em;margin:0 0 .3em} h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.2em .6em;border-bottom:1px solid #e4e4e4;vertical-align:top}
th{background:#f3f3f3} td.n{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,monospace;font-size:.92em;word-break:break-all}
.proved{color:#0a6b2d} .refuted{color:#b00020} .unknown{color:#8a5a00}
.status{font-size:1.25em;font-weight:600;padding:.5em .8em;border-radius:4px;margin:.6em 0}
.status.proved{background:#e3f4e8} .status.refuted{background:#fbe4e6} .status.unknown{background:#fdf1dc}
details.fn{border:1px solid #ddd;border-radius:4px;margin:.3em 0} details.fn>summary{cursor:pointer;padding:.35em .6em;list-style-position:inside}
details.fn[open]>summary{border-bottom:1px solid #ddd;background:#fafafa} details.fn>div{padding:.4em .8em}
.verdict{font-weight:600} dl{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.4em 0} dt{font-weight:600}
`;

export function renderHtml(r: ProofReport): string {
  const t = r.totals;
  const overall = t.refuted > 0 ? 'refuted' : t.unknown > 0 ? 'unknown' : 'proved';
  const headline =
    overall === 'proved'
      ? `All ${t.functions} functions proved`
      : `${t.functions - t.proved} of ${t.functions} functions not proved (${t.refuted} refuted, ${t.unknown} unknown)`;
  const id = r.identity;
  const rows: [string, string][] = [
    ['Input', `<code>${esc(id.input.path)}</code><br>sha256 <code>${esc(id.input.sha256)}</code><br>module sha256 <code>${esc(id.input.wasmSha256)}</code>`],
    ['Object', `<code>${esc(id.object.path)}</code> (${num(id.object.bytes)} bytes, ${esc(id.object.status)}: ${esc(id.object.note)})<br>sha256 <code>${esc(id.object.sha256)}</code>`],
    ['Command', `<code>${esc(id.command)}</code>`],
    ['Target', esc(id.target)],
    ['Options', Object.entries(id.options).map(([k, v]) => `<code>${esc(k)}=${esc(String(v))}</code>`).join(' ')],
    ['Tools', `warden ${esc(id.warden.version)}; ${esc(id.z3.package)} (${esc(id.z3.version)})`],
    ['Date', esc(id.date)],
    ['Obligations', `${num(t.obligations)} (solver time ${num(Math.round(t.ms))} ms, rlimit ${num(t.rlimit)})`],
    ['SMT-LIB2 export', r.smt ? `${num(r.smt.files)} files in <code>${esc(r.smt.dir)}</code> (${esc(r.smt.logic)}); re-check with <code>warden recheck REPORT.json --solver cvc5</code>` : 'none (written without --smt-dir)'],
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>warden proof report: ${esc(id.input.path)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>warden proof report</h1>
<p class="mono">${esc(r.format)}</p>
<section id="summary">
<h2>Summary</h2>
<p class="status ${overall}" id="headline">${esc(headline)}</p>
<table class="totals"><tr><th>functions</th><th>proved</th><th>refuted</th><th>unknown</th><th>obligations</th></tr>
<tr><td class="n">${t.functions}</td><td class="n proved">${t.proved}</td><td class="n refuted">${t.refuted}</td><td class="n unknown">${t.unknown}</td><td class="n">${num(t.obligations)}</td></tr></table>
<dl>${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('\n')}</dl>
</section>
<section id="functions">
<h2>Functions</h2>
${r.functions.map(functionHtml).join('\n')}
</section>
<section id="assumptions">
<h2>Assumptions</h2>
<p>Every proof rests on these (the validator):</p>
<ul>${r.assumptions.validator.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>
<p>The lemma library takes these without proof:</p>
<ul>${r.assumptions.lemmaLibrary.map((a) => `<li><b>${esc(a.id)}</b>: ${esc(a.statement)} <i>Why not proved: ${esc(a.reason)}</i></li>`).join('')}</ul>
</section>
<section id="trusted-base">
<h2>Trusted base</h2>
<p>${esc(r.trustedBase.spec)}; certificate format version ${r.trustedBase.certificateVersion}.</p>
<table><tr><th>component</th><th>role</th></tr>${r.trustedBase.components.map((c) => `<tr><td><code>${esc(c.path)}</code></td><td>${esc(c.role)}</td></tr>`).join('')}</table>
<p>Modelled:</p><ul>${r.trustedBase.modelled.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>
<p>Not modelled:</p><ul>${r.trustedBase.notModelled.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>
</section>
</body>
</html>
`;
}

function functionHtml(f: FunctionReport): string {
  const who = `function ${f.index}${f.name !== null ? ` ${f.name}` : ''}`;
  const parts: string[] = [];
  parts.push(`<dl><dt>symbol</dt><dd><code>${esc(f.symbol || '(none)')}</code></dd><dt>exports</dt><dd>${f.exports.length ? f.exports.map((e) => `<code>${esc(e)}</code>`).join(', ') : 'none'}</dd>`);
  parts.push(`<dt>ladder rung</dt><dd>${esc(f.rung)}${f.ladder.filter((l) => l.rung !== f.rung).map((l) => ` (after ${esc(l.rung)}: ${esc(l.failure)})`).join('')}</dd>`);
  parts.push(`<dt>lemmas used</dt><dd>${f.lemmas === null ? 'not recorded (the function was not proved)' : f.lemmas.length === 0 ? 'none' : f.lemmas.map((l) => `<b>${esc(l.name)}</b>: ${esc(l.statement)}`).join('<br>')}</dd>`);
  if (f.unknown) parts.push(`<dt>why unknown</dt><dd class="unknown">${esc(f.unknown.kind)}${f.unknown.address !== null ? ` at ${hex(f.unknown.address)}` : ''}: ${esc(f.unknown.detail)}${f.unknown.obligation ? ` (obligation: ${esc(f.unknown.obligation)})` : ''}</dd>`);
  if (f.counterexample) {
    const c = f.counterexample;
    const failing = f.obligations[c.obligation];
    parts.push(`<dt>refuted by</dt><dd class="refuted">obligation ${c.obligation}${failing ? `: ${esc(failing.name)}` : ''}</dd>`);
    parts.push(`<dt>counterexample</dt><dd>${Object.entries(c.values).map(([k, v]) => `<code>${esc(k)} = ${esc(v)}</code>`).join('<br>') || 'no values'}</dd>`);
    parts.push(`<dt>replay</dt><dd>${esc(c.replay.kind)}${c.replay.detail ? `: ${esc(c.replay.detail)}` : ''}</dd>`);
  }
  parts.push('</dl>');
  if (f.obligations.length === 0) parts.push('<p>No obligation was asked.</p>');
  else {
    parts.push('<table class="obligations"><tr><th>#</th><th>region</th><th>proves</th><th>at</th><th>answer</th><th>ms</th><th>rlimit</th><th>SMT-LIB2</th></tr>');
    for (const o of f.obligations) {
      const cls = o.answer === 'unsat' ? 'proved' : o.answer === 'sat' ? 'refuted' : 'unknown';
      parts.push(
        `<tr><td class="n">${o.index}</td><td class="mono">${esc(o.region)}</td><td>${esc(o.claim)}</td><td class="mono">${hex(o.address)}</td><td class="${cls}">${esc(o.answer)}</td><td class="n">${o.ms}</td><td class="n">${num(o.rlimit)}</td><td class="mono">${o.smt2 ? esc(o.smt2.file) : '-'}</td></tr>`,
      );
    }
    parts.push('</table>');
  }
  return `<details class="fn" id="f${f.index}"><summary><span class="verdict ${f.verdict}">${esc(f.verdict)}</span> ${esc(who)} <code>${esc(f.symbol)}</code>, rung ${esc(f.rung)}, ${f.totals.obligations} obligations, ${num(Math.round(f.totals.ms))} ms</summary><div>
${parts.join('\n')}
</div></details>`;
}
