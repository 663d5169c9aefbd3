// The technician area (issue 9): claim, login, provisioning, tools. Filled in by the next slices.
export function initTech() {}
export function onTechStatus() {}
