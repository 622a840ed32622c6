// The AisthOS panel: suggestions with their evidence, skills, Sparks, growth.
//
// A plain web component (no build step, no CDN): it works offline and in the
// companion app. Every text comes from strings/<language>.json through the
// aisthos/strings command; data is set with textContent only, never parsed
// as HTML. Approving saves the skill as an ordinary automation through HA's
// own automation config API, the request the automation editor sends, with
// the administrator's session: HA writes its own file.

const TABS = ["suggestions", "skills", "sparks", "growth"];
const DAY_MIN = 1440;
const REFRESH_MS = 5000;

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

function hhmm(minutes) {
  const m = ((Math.round(minutes) % DAY_MIN) + DAY_MIN) % DAY_MIN;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

function percent(value) {
  return value === null || value === undefined ? "–" : `${Math.round(value * 100)} %`;
}

const STYLE = `
  :host { display: block; color: var(--primary-text-color); background: var(--primary-background-color);
          min-height: 100vh; font-family: var(--paper-font-body1_-_font-family, Roboto, sans-serif); }
  header { display: flex; align-items: center; gap: 8px; height: 56px; padding: 0 16px;
           background: var(--app-header-background-color, var(--primary-color));
           color: var(--app-header-text-color, white); font-size: 20px; }
  nav { display: flex; gap: 4px; padding: 0 16px; border-bottom: 1px solid var(--divider-color);
        background: var(--card-background-color); overflow-x: auto; }
  nav button { background: none; border: none; border-bottom: 2px solid transparent; padding: 12px 16px;
               color: var(--secondary-text-color); font: inherit; cursor: pointer; }
  nav button[aria-selected="true"] { color: var(--primary-color); border-bottom-color: var(--primary-color); }
  main { padding: 16px; max-width: 1000px; margin: 0 auto; display: grid; gap: 16px; }
  .card { background: var(--card-background-color); border-radius: var(--ha-card-border-radius, 12px);
          box-shadow: var(--ha-card-box-shadow, none); border: 1px solid var(--divider-color); padding: 16px; }
  .card h2 { margin: 0 0 8px; font-size: 18px; font-weight: 500; }
  .muted { color: var(--secondary-text-color); }
  .metrics { display: flex; flex-wrap: wrap; gap: 8px 16px; margin: 8px 0; }
  .chip { background: var(--secondary-background-color); border-radius: 16px; padding: 2px 10px; }
  .actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 12px; }
  button.act { font: inherit; border-radius: 18px; padding: 6px 16px; cursor: pointer;
               border: 1px solid var(--primary-color); background: none; color: var(--primary-color); }
  button.act.primary { background: var(--primary-color); color: var(--text-primary-color, white); }
  button.act:disabled { opacity: 0.5; cursor: default; }
  .strip { width: 100%; height: auto; margin-top: 8px; }
  .notice { padding: 12px 16px; border-radius: 8px; background: var(--secondary-background-color); }
  .notice.error { color: var(--error-color); }
  table { width: 100%; border-collapse: collapse; }
  td { padding: 6px 4px; border-bottom: 1px solid var(--divider-color); vertical-align: top; }
  .filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
  select { font: inherit; padding: 4px; background: var(--card-background-color); color: inherit; }
  .days { display: flex; flex-wrap: wrap; gap: 2px; margin-top: 6px; }
  .day { width: 10px; height: 10px; border-radius: 2px; background: var(--disabled-color, #bbb); }
  .day.hit { background: var(--success-color, #4caf50); }
`;

class AisthosPanel extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._tab = "suggestions";
    this._texts = null;
    this._data = {};
    this._filters = { kind: "", area: "", hours: 24 };
    this._notice = null;
    this._timer = null;
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (first) this._start();
  }

  get hass() {
    return this._hass;
  }

  set narrow(value) {
    this._narrow = value;
  }

  set panel(value) {
    this._panel = value;
  }

  connectedCallback() {
    if (this._hass && !this._timer) this._schedule();
  }

  disconnectedCallback() {
    clearInterval(this._timer);
    this._timer = null;
  }

  t(key, values = {}) {
    let text = (this._texts && this._texts[key]) || key;
    for (const [name, value] of Object.entries(values)) text = text.split(`{${name}}`).join(String(value));
    return text;
  }

  async _start() {
    try {
      this._texts = await this._hass.callWS({ type: "aisthos/strings", language: this._hass.language || "en" });
    } catch (err) {
      this._texts = {};
    }
    const tab = new URLSearchParams(window.location.search).get("tab");
    if (TABS.includes(tab)) this._tab = tab;
    await this._load();
    this._schedule();
  }

  _schedule() {
    clearInterval(this._timer);
    // Sparks are live: read again while that view is open.
    this._timer = setInterval(() => {
      if (this._tab === "sparks" && document.visibilityState === "visible") this._load();
    }, REFRESH_MS);
  }

  async _load() {
    const ws = (msg) => this._hass.callWS(msg);
    try {
      if (this._tab === "suggestions") this._data.suggestions = await ws({ type: "aisthos/suggestions" });
      if (this._tab === "skills") this._data.skills = await ws({ type: "aisthos/skills" });
      if (this._tab === "sparks") {
        const msg = { type: "aisthos/sparks", hours: Number(this._filters.hours), limit: 100 };
        if (this._filters.kind) msg.kind = this._filters.kind;
        if (this._filters.area) msg.area = this._filters.area;
        this._data.sparks = await ws(msg);
      }
      if (this._tab === "sparks" || this._tab === "growth") this._data.overview = await ws({ type: "aisthos/overview" });
    } catch (err) {
      this._notice = { error: true, text: this.t("error", { error: err.message || err.code || err }) };
    }
    this._render();
  }

  _select(tab) {
    this._tab = tab;
    this._notice = null;
    const url = new URL(window.location.href);
    url.searchParams.set("tab", tab);
    window.history.replaceState(null, "", url);
    this._render();
    this._load();
  }

  _render() {
    const root = this.shadowRoot;
    root.replaceChildren();
    root.append(h("style", {}, STYLE));
    const menu = customElements.get("ha-menu-button") ? h("ha-menu-button") : null;
    if (menu) {
      menu.hass = this._hass;
      menu.narrow = this._narrow;
    }
    root.append(h("header", {}, menu, h("span", {}, this.t("title"))));
    root.append(
      h(
        "nav",
        { role: "tablist" },
        TABS.map((tab) =>
          h(
            "button",
            { role: "tab", "aria-selected": String(tab === this._tab), id: `tab-${tab}`, onclick: () => this._select(tab) },
            this.t(`tab_${tab}`),
          ),
        ),
      ),
    );
    const main = h("main", { role: "tabpanel", "aria-labelledby": `tab-${this._tab}` });
    if (this._notice) main.append(h("div", { class: `notice${this._notice.error ? " error" : ""}`, role: "status" }, this._notice.text));
    const view = { suggestions: this._suggestions, skills: this._skills, sparks: this._sparks, growth: this._growth }[this._tab];
    main.append(...view.call(this));
    root.append(main);
  }

  // ---- suggestions ---------------------------------------------------------

  _suggestions() {
    const items = this._data.suggestions;
    if (!items) return [h("p", { class: "muted" }, this.t("loading"))];
    if (!items.length) return [h("div", { class: "card" }, h("p", { class: "muted" }, this.t("no_suggestions")))];
    return items.map((item) => this._suggestion(item));
  }

  _metrics(item) {
    const chips = [h("span", { class: "chip" }, this.t("confidence", { value: percent(item.confidence) }))];
    if (item.firings) chips.push(h("span", { class: "chip" }, this.t("precision", { right: item.right, firings: item.firings, value: percent(item.precision) })));
    if (item.coverage !== null && item.coverage !== undefined) chips.push(h("span", { class: "chip" }, this.t("coverage", { value: percent(item.coverage) })));
    chips.push(h("span", { class: "chip" }, this.t("learned_from", { days: item.learned_from })));
    return h("div", { class: "metrics" }, chips);
  }

  _suggestion(item) {
    const delay = item.delay_s >= 60 ? `, ${this.t("delay", { minutes: Math.round(item.delay_s / 60) })}` : "";
    return h(
      "section",
      { class: "card suggestion", "data-skill": item.id },
      h("h2", {}, item.name),
      h("div", {}, h("strong", {}, `${this.t("when")}: `), item.trigger),
      h("div", {}, h("strong", {}, `${this.t("then")}: `), item.actions.join(", ")),
      h("div", { class: "muted" }, this.t("window", { window: item.window, days: item.days.join(", ") }) + delay),
      this._metrics(item),
      h("p", {}, item.explanation),
      this._strip(item.strip),
      h("p", { class: "muted" }, this.t("strip_legend")),
      h(
        "div",
        { class: "actions" },
        h("button", { class: "act primary", onclick: (e) => this._approve(item, false, e.target) }, this.t("approve")),
        h("button", { class: "act", onclick: (e) => this._approve(item, true, e.target) }, this.t("edit_approve")),
        h("button", { class: "act", onclick: () => this._decide(item, "reject") }, this.t("reject")),
        h("button", { class: "act", onclick: () => this._decide(item, "later") }, this.t("later")),
      ),
    );
  }

  _strip(strip) {
    // One row per day, the time of day across; the window shaded.
    const rowH = 10;
    const left = 34;
    const width = 720;
    const height = strip.days.length * rowH + 16;
    const x = (minute) => left + (minute / DAY_MIN) * (width - left);
    const nodes = [svg("title", {}, document.createTextNode(this.t("strip_title")))];
    const [start, end] = strip.window;
    const bands = start <= end ? [[start, end]] : [[start, DAY_MIN], [0, end]];
    for (const [a, b] of bands) {
      nodes.push(svg("rect", { x: x(a), y: 0, width: Math.max(1, x(b) - x(a)), height: height - 16, fill: "var(--primary-color)", "fill-opacity": 0.12 }));
    }
    for (const hour of [0, 6, 12, 18, 24]) {
      const tx = svg("text", { x: x(hour * 60), y: height - 4, "font-size": 9, "text-anchor": "middle", fill: "var(--secondary-text-color)" });
      tx.textContent = hhmm(hour * 60);
      nodes.push(tx);
    }
    strip.days.forEach((day, row) => {
      const y = row * rowH;
      if (row % 7 === 0) {
        const label = svg("text", { x: 0, y: y + rowH - 1, "font-size": 8, fill: "var(--secondary-text-color)" });
        label.textContent = day.date.slice(5);
        nodes.push(label);
      }
      const off = !strip.weekdays.includes(day.weekday);
      if (off) nodes.push(svg("rect", { x: left, y, width: width - left, height: rowH - 1, fill: "var(--secondary-text-color)", "fill-opacity": 0.05 }));
      // Triggers as ticks in the upper half of the row, actions as dots below:
      // a minute apart, both stay visible.
      for (const m of day.trigger) nodes.push(svg("rect", { class: "mark-trigger", x: x(m) - 0.75, y: y + 0.5, width: 1.5, height: rowH / 2 - 1, fill: "var(--secondary-text-color)" }));
      for (const m of day.actions) nodes.push(svg("circle", { class: "mark-action", cx: x(m), cy: y + rowH * 0.72, r: 2.2, fill: "var(--primary-color)" }));
    });
    return svg("svg", { class: "strip", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": this.t("strip_title") }, nodes);
  }

  async _saveNative(skillId) {
    // The automation editor's own request: HA validates, writes and reloads.
    const { id, config } = await this._hass.callWS({ type: "aisthos/automation", skill_id: skillId });
    await this._hass.callApi("POST", `config/automation/config/${encodeURIComponent(id)}`, config);
    return { id, config };
  }

  async _approve(item, edit, button) {
    if (button) button.disabled = true;
    try {
      const { id, config } = await this._saveNative(item.id);
      await this._hass.callWS({ type: "aisthos/decide", skill_id: item.id, decision: "approve" });
      this._notice = { text: this.t("approved_native", { name: config.alias }) };
      if (edit) {
        this._navigate(`/config/automation/edit/${encodeURIComponent(id)}`);
        return;
      }
    } catch (err) {
      this._notice = { error: true, text: this.t("error", { error: err.message || err.body?.message || err }) };
    }
    await this._load();
  }

  async _decide(item, decision) {
    try {
      await this._hass.callWS({ type: "aisthos/decide", skill_id: item.id, decision });
      this._notice = { text: this.t(decision === "reject" ? "rejected" : "snoozed") };
    } catch (err) {
      this._notice = { error: true, text: this.t("error", { error: err.message || err }) };
    }
    await this._load();
  }

  _navigate(path) {
    window.history.pushState(null, "", path);
    window.dispatchEvent(new CustomEvent("location-changed", { detail: { replace: false } }));
  }

  // ---- skills --------------------------------------------------------------

  _skills() {
    const items = this._data.skills;
    if (!items) return [h("p", { class: "muted" }, this.t("loading"))];
    if (!items.length) return [h("div", { class: "card" }, h("p", { class: "muted" }, this.t("no_skills")))];
    return items.map((item) => this._skill(item));
  }

  _skill(item) {
    const where = item.automation
      ? this.t(item.needs_aisthos ? "runs_native_gated" : "runs_native", { entity: item.automation })
      : item.runs_in_aisthos
        ? this.t("runs_aisthos")
        : this.t("runs_not");
    const feedback = Object.entries(item.feedback || {});
    const days = Object.entries(item.evidence || {}).slice(-28);
    const buttons = [];
    if (item.switch && (item.status === "approved" || item.status === "paused")) {
      const on = item.status === "approved";
      buttons.push(h("button", { class: "act", onclick: () => this._toggle(item, !on) }, this.t(on ? "turn_off" : "turn_on")));
    }
    if (item.runs_in_aisthos && !item.automation) {
      buttons.push(h("button", { class: "act", onclick: (e) => this._moveNative(item, e.target) }, this.t("move_native")));
    }
    if (item.needs_aisthos) {
      // Written by an earlier version with a condition on AisthOS's switch.
      buttons.push(h("button", { class: "act", onclick: (e) => this._moveNative(item, e.target) }, this.t("make_independent")));
    }
    return h(
      "section",
      { class: "card skill", "data-skill": item.id },
      h("h2", {}, item.name),
      h("div", { class: "muted" }, `${this.t(`status_${item.status}`)} · ${where}`),
      this._metrics(item),
      h("p", {}, item.explanation),
      h("div", { class: "muted" }, item.last_runs.length ? this.t("last_runs", { times: item.last_runs.map((t) => new Date(t).toLocaleString()).join(", ") }) : this.t("never_ran")),
      h("div", { class: "muted" }, feedback.length ? this.t("feedback", { counts: feedback.map(([k, v]) => `${k} ${v}`).join(", ") }) : this.t("no_feedback")),
      (item.confidence_history || []).length > 1 ? this._trend(item.confidence_history) : null,
      days.length ? h("div", { class: "muted" }, this.t("evidence")) : null,
      days.length ? h("div", { class: "days" }, days.map(([day, hit]) => h("span", { class: `day${hit ? " hit" : ""}`, title: day }))) : null,
      buttons.length ? h("div", { class: "actions" }, buttons) : null,
    );
  }

  _trend(points) {
    // Its confidence night after night, 0 to 100 %, with the proposal line at 50 %.
    const width = 300;
    const height = 48;
    const x = (i) => 4 + (i / (points.length - 1)) * (width - 8);
    const y = (v) => height - 4 - v * (height - 8);
    const path = points.map(([, v], i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    const label = this.t("confidence_trend", { from: points[0][0], to: points[points.length - 1][0] });
    return h(
      "div",
      { class: "muted" },
      label,
      svg(
        "svg",
        { class: "trend", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": label },
        svg("line", { x1: 0, x2: width, y1: y(0.5), y2: y(0.5), stroke: "var(--divider-color)", "stroke-dasharray": "4 3" }),
        svg("path", { d: path, fill: "none", stroke: "var(--primary-color)", "stroke-width": 2 }),
      ),
    );
  }

  async _toggle(item, on) {
    try {
      await this._hass.callService("switch", on ? "turn_on" : "turn_off", { entity_id: item.switch });
    } catch (err) {
      this._notice = { error: true, text: this.t("error", { error: err.message || err }) };
    }
    await this._load();
  }

  async _moveNative(item, button) {
    if (button) button.disabled = true;
    try {
      const { config } = await this._saveNative(item.id);
      this._notice = { text: this.t("approved_native", { name: config.alias }) };
    } catch (err) {
      this._notice = { error: true, text: this.t("error", { error: err.message || err.body?.message || err }) };
    }
    await this._load();
  }

  // ---- sparks --------------------------------------------------------------

  _sparks() {
    const data = this._data.sparks;
    const overview = this._data.overview;
    if (!data) return [h("p", { class: "muted" }, this.t("loading"))];
    const kinds = new Set([this._filters.kind, ...data.sparks.map((s) => s.kind)].filter(Boolean));
    const areas = new Set([this._filters.area, ...data.sparks.map((s) => s.area)].filter(Boolean));
    const select = (name, values, labels = {}) =>
      h(
        "select",
        { "aria-label": this.t(`filter_${name}`), onchange: (e) => { this._filters[name] = e.target.value; this._load(); } },
        values.map(([value, label]) => {
          const option = h("option", { value }, labels[value] || label);
          if (String(this._filters[name]) === String(value)) option.selected = true;
          return option;
        }),
      );
    const filters = h(
      "div",
      { class: "card filters" },
      h("label", {}, `${this.t("filter_kind")} `, select("kind", [["", this.t("all")], ...[...kinds].sort().map((k) => [k, k])])),
      h("label", {}, `${this.t("filter_area")} `, select("area", [["", this.t("all")], ...[...areas].sort().map((a) => [a, a])])),
      h("label", {}, `${this.t("filter_hours")} `, select("hours", [[1, this.t("hours_1")], [24, this.t("hours_24")], [168, this.t("hours_168")]])),
    );
    const list = h(
      "div",
      { class: "card" },
      data.sparks.length
        ? h("table", {}, h("tbody", {}, data.sparks.map((s) => h("tr", { class: "spark" }, h("td", {}, s.text)))))
        : h("p", { class: "muted" }, this.t("no_sparks")),
    );
    const review = h(
      "div",
      { class: "card" },
      h("h2", {}, this.t("review_queue")),
      data.review.length ? h("table", {}, h("tbody", {}, data.review.map((s) => h("tr", {}, h("td", {}, s.text))))) : h("p", { class: "muted" }, this.t("review_empty")),
    );
    const cards = [filters, list, review];
    if (overview) {
      const rows = Object.entries({ ...overview.filter, ...overview.dropped }).filter(([key, value]) => !["offered", "passed"].includes(key) && value > 0);
      cards.push(
        h(
          "div",
          { class: "card" },
          h("h2", {}, this.t("dropped")),
          h("p", { class: "muted" }, this.t("offered", { offered: overview.filter.offered, passed: overview.filter.passed })),
          h("table", {}, h("tbody", {}, rows.map(([key, value]) => h("tr", {}, h("td", {}, this.t(`dropped_${key}`)), h("td", {}, String(value)))))),
        ),
      );
    }
    return cards;
  }

  // ---- growth --------------------------------------------------------------

  _growth() {
    const o = this._data.overview;
    if (!o) return [h("p", { class: "muted" }, this.t("loading"))];
    const needs = Object.entries(o.next_stage_needs || {}).map(([key, count]) => this.t(`needs_${key}`, { count }));
    const input = h("input", { type: "file", accept: "application/json,.json", hidden: true, onchange: (e) => this._import(e.target.files[0]) });
    return [
      h(
        "div",
        { class: "card growth" },
        h("h2", {}, `${this.t("stage")}: ${this.t(`stage_${o.stage}`)}`),
        h("p", {}, this.t("age", { days: o.days })),
        h("p", {}, o.next_stage ? this.t("next_stage", { stage: this.t(`stage_${o.next_stage}`) }) : this.t("last_stage")),
        needs.length ? h("p", {}, this.t("next_needs", { needs: needs.join(", ") })) : null,
        h("p", { class: "muted" }, this.t("sparks_total", { count: o.sparks, today: o.sparks_today })),
        h("p", { class: "muted" }, this.t("skills_total", { count: o.skills, approved: o.approved, waiting: o.waiting })),
      ),
      this._companion(o.companion),
      h(
        "div",
        { class: "card" },
        h("h2", {}, this.t("wisdom")),
        h("p", { class: "muted" }, this.t("wisdom_text")),
        h(
          "div",
          { class: "actions" },
          h("button", { class: "act primary", onclick: () => this._download() }, this.t("download")),
          h("button", { class: "act", onclick: () => input.click() }, this.t("import")),
          input,
        ),
      ),
    ];
  }

  _companion(c) {
    if (!c) return null;
    const lines = [];
    if (!c.connected) lines.push(h("p", { class: "muted" }, this.t("companion_off")));
    const n = c.interactions || {};
    const count = Object.values(n).reduce((a, b) => a + b, 0);
    lines.push(h("p", {}, this.t("companion_kept", { count, up: n.up || 0, down: n.down || 0, edited: n.edited || 0, none: n.none || 0 })));
    if (c.connected && !c.training) lines.push(h("p", { class: "muted" }, this.t("companion_unreachable")));
    if (c.training) {
      lines.push(h("p", { class: "muted" }, this.t("companion_training", { status: c.training.status })));
      if (c.training.next_run) lines.push(h("p", { class: "muted" }, this.t("companion_next", { when: new Date(c.training.next_run).toLocaleString() })));
      const r = c.training.last_report;
      if (r) {
        const result =
          r.status === "trained"
            ? this.t("companion_report_trained", {
                examples: r.examples_train,
                first: r.first_train_loss?.toFixed(2) ?? "?",
                last: r.train_loss?.toFixed(2) ?? "?",
                size: Math.round((r.adapter_bytes || 0) / 1024),
                seconds: Math.round(r.seconds || 0),
                gain: r.preferred_logprob_after != null && r.preferred_logprob_before != null ? (r.preferred_logprob_after - r.preferred_logprob_before).toFixed(2) : "?",
              })
            : this.t("companion_report_other", { status: r.status, reason: r.reason || "" });
        lines.push(h("p", {}, this.t("companion_report", { finished: r.finished ? new Date(r.finished).toLocaleString() : "", result })));
      }
    }
    return h(
      "div",
      { class: "card" },
      h("h2", {}, this.t("companion")),
      ...lines,
      count ? h("div", { class: "actions" }, h("button", { class: "act", onclick: () => this._forget() }, this.t("forget"))) : null,
    );
  }

  async _forget() {
    try {
      const answer = await this._hass.callWS({ type: "call_service", domain: "aisthos", service: "forget_conversations", service_data: {}, return_response: true });
      this._notice = { text: this.t("forgotten", { count: answer.response.forgotten }) };
    } catch (err) {
      this._notice = { error: true, text: this.t("error", { error: err.message || err }) };
    }
    await this._load();
  }

  async _download() {
    try {
      const answer = await this._hass.callWS({ type: "call_service", domain: "aisthos", service: "export_wisdom", service_data: {}, return_response: true });
      const blob = new Blob([JSON.stringify(answer.response.wisdom, null, 2)], { type: "application/json" });
      const link = h("a", { href: URL.createObjectURL(blob), download: "aisthos-wisdom.json" });
      this.shadowRoot.append(link);
      link.click();
      link.remove();
    } catch (err) {
      this._notice = { error: true, text: this.t("error", { error: err.message || err }) };
      this._render();
    }
  }

  async _import(file) {
    if (!file) return;
    try {
      const data = JSON.parse(await file.text());
      const answer = await this._hass.callWS({ type: "call_service", domain: "aisthos", service: "import_wisdom", service_data: { data, mode: "merge" }, return_response: true });
      this._notice = { text: this.t("imported", { skills: answer.response.skills, dormant: answer.response.dormant }) };
    } catch (err) {
      this._notice = { error: true, text: this.t("import_bad", { error: err.message || err }) };
    }
    await this._load();
  }
}

if (!customElements.get("aisthos-panel")) customElements.define("aisthos-panel", AisthosPanel);
