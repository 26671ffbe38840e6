// Small behaviours shared by every page (no inline scripts: the CSP forbids them).
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form) form.submit();
});
