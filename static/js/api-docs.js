// The API documentation page (/api/docs): Swagger UI, served from this server (static/vendor), reading
// /openapi.json. A file of its own, so the page's CSP needs no inline script.
window.addEventListener("DOMContentLoaded", function () {
  var target = document.getElementById("swagger-ui");
  if (!target || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({ url: target.dataset.url, domNode: target, deepLinking: false, tryItOutEnabled: false });
});
