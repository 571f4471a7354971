document.getElementById("app").textContent = "routed client-side: " + location.pathname;
