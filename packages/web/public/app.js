// Sends the page's CSRF token (meta csrf-token) with every htmx request, so
// htmx's POSTs pass the console's CSRF check like its forms do. No inline
// script anywhere: the CSP allows scripts from the console itself only.
document.addEventListener('htmx:config:request', (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const headers = event.detail?.ctx?.request?.headers;
  if (meta !== null && headers !== undefined) headers['x-csrf-token'] = meta.content;
});
