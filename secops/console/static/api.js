// JSON calls to the daemon. State-changing calls carry the session's CSRF token.
let csrf = null;

export function setCsrf(token) { csrf = token; }

export class ApiError extends Error {
  constructor(message, status, data) { super(message); this.status = status; this.data = data; }
}

export async function call(method, path, body, { token } = {}) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers["Authorization"] = `Bearer ${token}`;
  else if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const resp = await fetch(path, {
    method, headers, credentials: "same-origin", cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await resp.json(); } catch (_) { data = null; }
  if (!resp.ok) throw new ApiError((data && data.error) || resp.statusText || String(resp.status), resp.status, data);
  return data;
}

export const api = {
  session: () => call("GET", "/api/v1/console/session"),
  login: (token) => call("POST", "/api/v1/console/login", {}, { token }),
  logout: () => call("POST", "/api/v1/console/logout", {}),
  state: () => call("GET", "/api/v1/console/state"),
  alert: (id) => call("GET", `/api/v1/alerts/${encodeURIComponent(id)}`),
  ack: (id, comment) => call("POST", `/api/v1/alerts/${encodeURIComponent(id)}/ack`, { comment }),
  escalate: (id) => call("POST", `/api/v1/alerts/${encodeURIComponent(id)}/escalate`, {}),
  resolve: (id, comment) => call("POST", `/api/v1/alerts/${encodeURIComponent(id)}/resolve`, { comment }),
  note: (id, text) => call("POST", `/api/v1/alerts/${encodeURIComponent(id)}/notes`, { text }),
  silence: (body) => call("POST", "/api/v1/silences", body),
  approve: (id) => call("POST", `/api/v1/silences/${encodeURIComponent(id)}/approve`, {}),
  expire: (id) => call("POST", `/api/v1/silences/${encodeURIComponent(id)}/expire`, {}),
  bulk: (body) => call("POST", "/api/v1/console/bulk", body),
  handover: () => call("GET", "/api/v1/console/handover"),
  handoverStart: () => call("POST", "/api/v1/console/handover", {}),
  handoverConfirm: (id, comment) => call("POST", `/api/v1/console/handover/${encodeURIComponent(id)}/confirm`, { comment }),
};
