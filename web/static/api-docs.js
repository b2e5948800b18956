// Starts Swagger UI on the served OpenAPI document (no inline script, no CDN).
(function () {
  var root = document.getElementById("api-docs");
  window.SwaggerUIBundle({ url: root.dataset.spec, domNode: root, deepLinking: true });
})();
