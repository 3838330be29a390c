// Starts the API documentation page (Swagger UI or ReDoc) served by service/docs.py: the page names
// which one and where the OpenAPI document is, so no inline script is needed.
"use strict";
(() => {
  const root = document.getElementById("api-docs");
  if (!root) return;
  const url = root.dataset.openapi;
  if (root.dataset.kind === "swagger" && window.SwaggerUIBundle) {
    window.SwaggerUIBundle({
      url,
      dom_id: "#api-docs",
      layout: "BaseLayout",
      deepLinking: true,
      validatorUrl: null,
      presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
    });
  } else if (root.dataset.kind === "redoc" && window.Redoc) {
    window.Redoc.init(url, {}, root);
  }
})();
