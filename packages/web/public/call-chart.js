// The route calls page's chart: successes and errors per host (uPlot, served
// by the console). The series URL is the chart element's data-series; a file,
// not an inline script, since the CSP forbids those.
(() => {
  const el = document.getElementById('call-chart');
  if (el === null) return;
  const say = (text) => {
    el.textContent = '';
    const p = document.createElement('p');
    p.className = 'chart-status';
    p.textContent = text;
    el.appendChild(p);
  };
  const COLORS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#bcbd22', '#e377c2', '#7f7f7f'];
  fetch(el.dataset.series, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
    .then((res) => (res.ok ? res.json() : Promise.reject(new Error(`the series answered ${res.status}`))))
    .then((s) => {
      if (s.hosts.length === 0) return say('No calls reported in the last hour.');
      const series = [{}];
      const data = [s.minutes];
      s.hosts.forEach((h, i) => {
        const color = COLORS[i % COLORS.length];
        series.push({ label: `${h.ip}:${h.port} ok`, stroke: color, width: 1.5 });
        series.push({ label: `${h.ip}:${h.port} err`, stroke: color, width: 1.5, dash: [6, 4] });
        data.push(h.succ, h.err);
      });
      el.textContent = '';
      const width = () => Math.max(320, el.clientWidth);
      const plot = new uPlot({ width: width(), height: 320, series, axes: [{}, { label: 'calls' }] }, data, el);
      // The drawn plot on its element: what the browser test compares with the rollup rows.
      el.chart = plot;
      window.addEventListener('resize', () => plot.setSize({ width: width(), height: 320 }));
    })
    .catch((err) => say(`The chart could not load: ${err.message}`));
})();
