// The chat page: conversation, composer and live updates over /api/v1/stream.
// Message text is only ever inserted as text nodes; formatting builds elements around it.
(function () {
  "use strict";

  var root = document.getElementById("chat");
  if (!root) return;
  var data = JSON.parse(document.getElementById("chat-data").textContent);
  var S = JSON.parse(document.getElementById("chat-strings").textContent);
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var $ = function (id) { return document.getElementById(id); };
  var list = $("messages"), input = $("composer-input");
  var MINE = data.me;
  data.acks = data.acks || {};
  data.muted = data.muted || [];

  function t(key, params) {
    var s = S[key] || key;
    return s.replace(/\{(\w+)\}/g, function (m, k) { return params && k in params ? String(params[k]) : m; });
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function button(cls, text, onClick) {
    var b = el("button", cls, text);
    b.type = "button";
    if (onClick) b.addEventListener("click", onClick);
    return b;
  }
  function lastChar(name) { var a = Array.from(name || "?"); return a[a.length - 1]; }
  function firstChar(name) { return Array.from(name || "?")[0]; }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    (window.crypto || {}).getRandomValues ? crypto.getRandomValues(b) : b.forEach(function (_, i) { b[i] = Math.random() * 256; });
    return Array.from(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }

  // ---- time, in the agency's zone ----
  var lang = data.locale === "en" ? "en-GB" : "zh-CN";
  var partsFmt = new Intl.DateTimeFormat("en-GB", {
    timeZone: data.timezone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  function utc(iso) { return new Date(/(Z|[+-]\d\d:\d\d)$/.test(iso) ? iso : iso + "Z"); }
  function parts(date) {
    var p = {};
    partsFmt.formatToParts(date).forEach(function (x) { p[x.type] = x.value; });
    return p;
  }
  function dayOf(iso) { var p = parts(utc(iso)); return p.year + "-" + p.month + "-" + p.day; }
  function clock(iso) { var p = parts(utc(iso)); return p.hour + ":" + p.minute; }
  function stamp(iso) { return dayOf(iso) + " " + clock(iso); }
  function dayLabel(day) {
    var now = new Date();
    if (day === dayOf(now.toISOString())) return t("today");
    if (day === dayOf(new Date(now.getTime() - 864e5).toISOString())) return t("yesterday");
    return day;
  }

  // ---- the server ----
  function api(method, url, body) {
    var headers = { Accept: "application/json", "Accept-Language": data.locale };
    var opts = { method: method, credentials: "same-origin", headers: headers };
    if (method !== "GET") headers["X-CSRF-Token"] = csrf;
    if (body !== undefined) { headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (r) {
      return r.text().then(function (txt) {
        var json = null;
        try { json = txt ? JSON.parse(txt) : null; } catch (e) { json = null; }
        return { status: r.status, ok: r.ok, body: json };
      });
    });
  }
  var G = function (path) { return "/api/v1/groups/" + st.gid + path; };

  // ---- state of the open conversation ----
  var st = null;
  var unread = data.unread || {};
  var groups = data.groups || [];

  function open(current) {
    var g = current.group, page = current.page;
    st = {
      gid: g.id, group: g, canPost: current.can_post, canManage: current.can_manage,
      msgs: {}, order: [], held: page.held.slice(), pending: [], pinned: page.pinned.slice(),
      lastSeq: page.last_seq, readSeq: page.read_seq, mutes: current.mutes.slice(),
      categories: current.categories.slice(), roster: current.roster.slice(),
      replyTo: null, editing: null, mentions: {}, loadingOlder: false, fresh: 0, removed: false,
    };
    page.messages.forEach(store);
    $("conv-name").textContent = g.name;
    $("announcement-link").href = "/announcements/" + g.id;
    $("conv-count").textContent = t("members", { n: st.roster.length });
    $("chat-conv").setAttribute("aria-label", g.name);
    document.title = g.name + " · " + document.title.split(" · ").pop();
    root.classList.add("has-conv");
    $("conv").hidden = false;
    $("conv-empty").hidden = true;
    $("composer-notice").hidden = true;
    $("results").hidden = true;
    setContext(null);
    markActive();
    renderPinned();
    renderChips();
    renderComposer();
    renderAlerts();
    renderAll();
    toBottom();
    markReadSoon();
    var hash = /^#m-(\d+)$/.exec(location.hash);
    if (hash) jumpTo(+hash[1]);
  }
  function store(m) {
    if (!m.seq) return;
    if (!(m.seq in st.msgs)) {
      st.order.push(m.seq);
      if (st.order.length > 1 && m.seq < st.order[st.order.length - 2]) st.order.sort(function (a, b) { return a - b; });
    }
    st.msgs[m.seq] = m;
    if (m.seq > st.lastSeq) st.lastSeq = m.seq;
  }

  // ---- rich text: the same tokens as the server's chat.rich ----
  var TOKENS = /(https?:\/\/[^\s<>"'，。；！？（）【】、]+)|\*\*(.+?)\*\*|((?<![A-Za-z0-9_.])@[^\s@，。,:：;；!！?？、]{1,20})/g;
  function appendRich(parent, text) {
    (text || "").split("\n").forEach(function (line, i) {
      if (i) parent.appendChild(document.createElement("br"));
      var last = 0, m;
      TOKENS.lastIndex = 0;
      while ((m = TOKENS.exec(line))) {
        if (m.index > last) parent.appendChild(document.createTextNode(line.slice(last, m.index)));
        if (m[1]) {
          var a = el("a", "", m[1]);
          a.href = m[1];
          a.rel = "noopener noreferrer";
          a.target = "_blank";
          parent.appendChild(a);
        } else if (m[2] !== undefined) parent.appendChild(el("strong", "", m[2]));
        else parent.appendChild(el("span", "mention", m[3]));
        last = TOKENS.lastIndex;
      }
      if (last < line.length) parent.appendChild(document.createTextNode(line.slice(last)));
    });
  }
  function snippet(m) {
    if (!m) return "";
    if (m.status === "recalled") return t("recalled");
    if (m.status === "removed") return removedText(m);
    if (m.kind === "notice" && m.notice) return "【" + t("notice_label") + "】" + m.notice.title;
    var s = (m.body || "").replace(/\*\*(.+?)\*\*/g, "$1").replace(/\s+/g, " ");
    return s.length > 40 ? s.slice(0, 40) + "…" : s;
  }

  // ---- rendering ----
  function removedText(m) {
    var mod = m.moderation || {};
    return t("order.removed", { clauses: (mod.clauses || []).join("、"), reason: mod.reason || "" });
  }
  function msgNode(m, pending) {
    var mine = m.sender.person_id === MINE;
    var row = el("div", "msg" + (mine ? " mine" : "") + (m.status === "recalled" || m.status === "removed" ? " recalled" : "") +
      (m.status === "held" ? " held" : "") + (pending ? " pending" : ""));
    if (m.seq) { row.id = "m-" + m.seq; row.dataset.seq = m.seq; }
    var avatar = el("span", "avatar", lastChar(m.sender.name));
    avatar.setAttribute("aria-hidden", "true");
    var main = el("div", "msg-main"), meta = el("div", "msg-meta");
    var time = el("time", "", clock(m.created_at));
    time.setAttribute("datetime", m.created_at + "Z");
    meta.append(el("span", "msg-name", m.sender.name), " ", time);
    var bubble = el("div", "bubble");
    if (m.status === "recalled") bubble.appendChild(el("span", "msg-recalled", t("recalled")));
    else if (m.status === "removed") bubble.appendChild(el("span", "msg-recalled msg-removed", removedText(m)));
    else if (m.kind === "notice" && m.notice) bubble.appendChild(noticeCard(m));
    else {
      if (m.reply_to_seq) bubble.appendChild(quoteNode(m.reply_to_seq));
      var body = el("div", "msg-body");
      appendRich(body, m.body);
      bubble.appendChild(body);
    }
    var foot = el("div", "msg-foot");
    if (m.category) foot.appendChild(el("span", "chip", m.category));
    (m.tags || []).forEach(function (tag) { foot.appendChild(el("span", "chip tag", "#" + tag)); });
    if (m.moderation && m.moderation.action === "redacted") foot.appendChild(el("span", "edited", t("order.redacted")));
    else if (m.edited_at && m.status === "visible") foot.appendChild(el("span", "edited", t("edited")));
    if (m.status === "held") {
      var h = el("span", "held-mark", t("held"));
      h.title = t("held_hint");
      foot.appendChild(h);
    }
    if (pending) {
      foot.appendChild(el("span", "pending-mark", pending.failed ? t("failed") : t("sending")));
      if (pending.failed) foot.appendChild(button("link retry", t("retry"), function () { post(pending); }));
    }
    if (foot.childNodes.length) bubble.appendChild(foot);
    main.append(meta, bubble);
    row.append(avatar, main);
    if (m.seq && m.status === "visible") {
      var more = button("msg-more", "⋯", function (e) { e.stopPropagation(); menu(m, more); });
      more.setAttribute("aria-label", t("actions"));
      row.appendChild(more);
      longPress(bubble, function () { menu(m, bubble); });
    }
    return row;
  }
  // An official notice: its title, issuer, deadline, and for a recipient the one-tap
  // acknowledgement that proves delivery (or when it was given).
  function noticeCard(m) {
    var n = m.notice, card = el("div", "notice-card" + (n.priority === "urgent" ? " urgent" : ""));
    var head = el("div", "notice-head");
    head.append(el("span", "notice-label", t("notice_label")), el("strong", "notice-title", n.title));
    if (n.priority === "urgent") head.appendChild(el("span", "chip urgent", t("notice_urgent")));
    if (n.version > 1) head.appendChild(el("span", "chip", t("notice_version", { n: n.version })));
    var body = el("div", "msg-body");
    appendRich(body, (m.body || "").split("\n").slice(1).join("\n"));
    var meta = el("div", "notice-meta small", n.issuer);
    if (n.deadline) meta.append(" · " + t("notice_deadline", { time: stamp(n.deadline) }));
    meta.append(" · " + t(n.reply_required ? "notice_reply_required" : "notice_no_reply"));
    var actions = el("div", "notice-actions"), key = String(n.id), acks = data.acks || {};
    if (n.reply_required && key in acks) {
      if (acks[key]) actions.appendChild(el("span", "notice-acked", t("notice_acked", { time: stamp(acks[key]) })));
      else actions.appendChild(button("primary notice-ack", t("notice_ack"), function (e) { e.stopPropagation(); ackNotice(n.id); }));
    }
    var link = el("a", "notice-link", t(m.sender.person_id === MINE ? "notice_ledger" : "notice_open"));
    link.href = "/notices/" + n.id + (m.sender.person_id === MINE ? "/ledger" : "");
    actions.appendChild(link);
    card.append(head, body, meta, actions);
    return card;
  }
  function ackNotice(id) {
    api("POST", "/api/v1/notices/" + id + "/ack").then(function (r) {
      if (r.ok) { data.acks[String(id)] = r.body.at; rerender(false); renderPinned(); } else refusal(r);
    }, offlineNotice);
  }
  function quoteNode(seq) {
    var q = st.msgs[seq], node = el("div", "quote");
    var known = q || (data.current && data.current.quotes && data.current.quotes[seq]);
    if (known) {
      node.append(el("span", "quote-name", t("reply_to", { name: (q ? q.sender.name : known.name) })), " ",
        el("span", "quote-body", q ? snippet(q) : known.body));
    } else node.textContent = t("reply_missing", { seq: seq });
    node.addEventListener("click", function () { jumpTo(seq); });
    return node;
  }
  function dayNode(day) { var d = el("div", "day"); d.appendChild(el("span", "", dayLabel(day))); return d; }

  function renderAll() {
    var frag = document.createDocumentFragment(), prev = "";
    if (st.order.length && st.order[0] <= 1) frag.appendChild(el("p", "conv-top", t("beginning")));
    else if (st.loadingOlder) frag.appendChild(el("p", "conv-top", t("loading")));
    st.order.forEach(function (seq) {
      var m = st.msgs[seq], day = dayOf(m.created_at);
      if (day !== prev) { frag.appendChild(dayNode(day)); prev = day; }
      frag.appendChild(msgNode(m));
    });
    st.held.forEach(function (m) { frag.appendChild(msgNode(m)); });
    st.pending.forEach(function (p) { frag.appendChild(msgNode(p.view, p)); });
    if (!st.order.length && !st.held.length && !st.pending.length) frag.appendChild(el("p", "conv-none", t("no_messages")));
    list.replaceChildren(frag);
  }
  function rerender(keepBottom) {
    var bottom = keepBottom || atBottom();
    var fromEnd = list.scrollHeight - list.scrollTop;
    renderAll();
    if (bottom) toBottom(); else list.scrollTop = list.scrollHeight - fromEnd;
  }
  function atBottom() { return list.scrollHeight - list.scrollTop - list.clientHeight < 48; }
  function toBottom() { list.scrollTop = list.scrollHeight; st.fresh = 0; renderPill(); }
  function renderPill() {
    var pill = $("new-pill");
    pill.hidden = !st.fresh;
    pill.textContent = "↓ " + t("new_messages", { n: st.fresh });
  }

  function renderPinned() {
    var box = $("pinned"), items = $("pinned-list");
    box.hidden = !st.pinned.length;
    if (!st.pinned.length) return;
    $("pinned-first").textContent = snippet(st.pinned[0]);
    $("pinned-count").textContent = st.pinned.length > 1 ? t("pinned_count", { n: st.pinned.length }) : "";
    items.replaceChildren.apply(items, st.pinned.map(function (m) {
      var li = el("li"), b = button("pinned-item", "", function () { togglePinned(false); jumpTo(m.seq); });
      b.append(el("span", "pinned-name", m.sender.name), el("span", "pinned-body", snippet(m)));
      li.appendChild(b);
      return li;
    }));
  }
  function togglePinned(force) {
    var items = $("pinned-list"), show = force === undefined ? items.hidden : force;
    items.hidden = !show;
    $("pinned-toggle").setAttribute("aria-expanded", show ? "true" : "false");
  }

  function renderChips() {
    var chips = $("chips");
    chips.replaceChildren();
    if (!st.categories.length) return;
    ["", ...st.categories].forEach(function (name) {
      var chip = button("chip" + (name === (st.category || "") ? " on" : ""), name || t("all"), function () {
        st.category = name;
        renderChips();
        if (name || $("search-input").value.trim()) search(); else $("results").hidden = true;
      });
      chips.appendChild(chip);
    });
  }

  // ---- the group list ----
  function groupRow(gid) { return root.querySelector('.chat-group[data-group="' + gid + '"]'); }
  function renderBadge(gid) {
    var row = groupRow(gid);
    if (!row) return;
    var n = unread[gid] || 0, badge = row.querySelector(".unread");
    badge.hidden = !n;
    badge.textContent = n > 99 ? "99+" : String(n);
  }
  function markActive() {
    root.querySelectorAll(".chat-group").forEach(function (a) {
      a.classList.toggle("active", !!st && +a.dataset.group === st.gid);
    });
  }
  function addGroupRow(g) {
    if (groupRow(g.id)) return;
    var a = el("a", "chat-group"), text = el("span", "chat-group-text"), avatar = el("span", "avatar", firstChar(g.name));
    a.href = "/chat/" + g.id;
    a.dataset.group = g.id;
    avatar.setAttribute("aria-hidden", "true");
    text.append(el("span", "chat-group-name", g.name), el("span", "chat-group-sub", S["groups.types." + g.type] || ""));
    var badge = el("span", "unread");
    badge.hidden = true;
    a.append(avatar, text, badge);
    var li = el("li");
    li.appendChild(a);
    $("chat-groups").prepend(li);
    $("chat-no-groups").hidden = true;
  }
  function bump(m) {
    var row = groupRow(m.group_id);
    if (!row) return;
    row.querySelector(".chat-group-sub").textContent = m.sender.name + "：" + snippet(m);
    var li = row.parentNode;
    if (li.parentNode.firstElementChild !== li) li.parentNode.prepend(li);
  }
  $("chat-groups").addEventListener("click", function (e) {
    var a = e.target.closest(".chat-group");
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    switchTo(+a.dataset.group, true);
  });
  function switchTo(gid, push) {
    var base = "/api/v1/groups/" + gid;
    Promise.all([api("GET", base + "/messages"), api("GET", base + "/mutes"), api("GET", base + "/categories"),
      api("GET", base + "/members")]).then(function (r) {
      if (!r.every(function (x) { return x.ok; })) { location.href = "/chat/" + gid; return; }
      var g = groups.filter(function (x) { return x.id === gid; })[0];
      if (!g) { location.href = "/chat/" + gid; return; } // not one of mine: the server decides
      var role = g.my_role;
      if (push) history.pushState({ gid: gid }, "", "/chat/" + gid);
      data.current = null;
      open({
        group: g, page: r[0].body, categories: r[2].body.items,
        mutes: r[1].body.items.filter(function (x) { return x.person_id === MINE; }),
        roster: r[3].body.items.map(function (x) { return { person_id: x.person_id, name: x.display_name }; }),
        can_post: !!role && g.status === "active", can_manage: role === "owner" || role === "group_admin",
      });
      hello();
    }, function () { location.href = "/chat/" + gid; });
  }
  $("conv-back").addEventListener("click", function (e) {
    if (!window.matchMedia("(max-width: 760px)").matches) return;
    e.preventDefault();
    history.pushState({}, "", "/chat");
    root.classList.remove("has-conv");
  });
  window.addEventListener("popstate", function () {
    var m = /^\/chat\/(\d+)$/.exec(location.pathname);
    if (m) switchTo(+m[1], false); else root.classList.remove("has-conv");
  });

  // ---- reading: older pages, read position, jumping ----
  function loadOlder(limit) {
    if (!st || st.loadingOlder || !st.order.length || st.order[0] <= 1) return Promise.resolve();
    st.loadingOlder = true;
    var gid = st.gid;
    return api("GET", G("/messages?before=" + st.order[0] + "&limit=" + (limit || 50))).then(function (r) {
      if (!st || st.gid !== gid) return;
      st.loadingOlder = false;
      if (r.ok) r.body.messages.forEach(store);
      rerender(false);
    }, function () { if (st) st.loadingOlder = false; });
  }
  list.addEventListener("scroll", function () {
    if (!st) return;
    if (list.scrollTop < 150) loadOlder();
    if (atBottom() && st.fresh) { st.fresh = 0; renderPill(); }
    markReadSoon();
  }, { passive: true });
  $("new-pill").addEventListener("click", function () { list.scrollTo({ top: list.scrollHeight, behavior: "smooth" }); st.fresh = 0; renderPill(); });

  // At most one read mark in flight every 300 ms, however fast messages arrive.
  var readTimer = null;
  function markReadSoon() {
    if (!readTimer) readTimer = setTimeout(function () { readTimer = null; markRead(); }, 300);
  }
  function markRead() {
    if (!st || document.visibilityState !== "visible" || !st.group.my_role || st.removed) return;
    var edge = list.getBoundingClientRect().bottom + 4, seen = 0;
    for (var i = st.order.length - 1; i >= 0; i--) {
      var node = document.getElementById("m-" + st.order[i]);
      if (node && node.getBoundingClientRect().top < edge) { seen = st.order[i]; break; }
    }
    if (seen <= st.readSeq) return;
    st.readSeq = seen;
    var gid = st.gid, behind = st.lastSeq - seen;
    api("POST", G("/read"), { seq: seen }).then(function (r) {
      if (!r.ok) return;
      unread[gid] = behind;
      renderBadge(gid);
    });
  }
  document.addEventListener("visibilitychange", markReadSoon);

  function jumpTo(seq, tries) {
    var node = document.getElementById("m-" + seq);
    if (node) {
      node.scrollIntoView({ block: "center" });
      node.classList.remove("flash");
      void node.offsetWidth;
      node.classList.add("flash");
      return;
    }
    if (!st.order.length || st.order[0] <= 1 || seq > st.lastSeq || (tries || 0) > 20) { notice({ message: t("jump_failed") }, "warn"); return; }
    loadOlder(200).then(function () { jumpTo(seq, (tries || 0) + 1); });
  }

  // ---- search and categories ----
  $("search-toggle").addEventListener("click", function () {
    var bar = $("search-bar"), show = bar.hidden;
    bar.hidden = !show;
    this.setAttribute("aria-expanded", show ? "true" : "false");
    if (show) $("search-input").focus(); else $("results").hidden = true;
  });
  $("search-form").addEventListener("submit", function (e) { e.preventDefault(); search(); });
  $("results-close").addEventListener("click", function () { $("results").hidden = true; });
  function search() {
    var q = $("search-input").value.trim(), params = new URLSearchParams({ group_id: st.gid });
    if (q) params.set("q", q);
    if (st.category) params.set("category", st.category);
    api("GET", "/api/v1/search?" + params.toString()).then(function (r) {
      var items = r.ok ? r.body.items : [];
      var ul = $("results-list");
      $("results-count").textContent = items.length ? t("search_results", { n: items.length }) : t("search_none");
      ul.replaceChildren.apply(ul, items.map(function (m) {
        var li = el("li"), b = button("result", "", function () { $("results").hidden = true; jumpTo(m.seq); });
        var head = el("span", "result-head");
        head.append(el("span", "msg-name", m.sender.name), el("time", "", stamp(m.created_at)));
        var body = el("span", "result-body");
        appendRich(body, snippet(m));
        b.append(head, body);
        li.appendChild(b);
        return li;
      }));
      $("results").hidden = false;
    });
  }

  // ---- actions on a message ----
  var sheet = $("msg-menu"), backdrop = $("sheet-backdrop");
  function closeMenu() { sheet.hidden = true; backdrop.hidden = true; sheet.replaceChildren(); }
  backdrop.addEventListener("click", closeMenu);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") closeMenu(); });
  function showSheet(nodes, anchor) {
    sheet.replaceChildren.apply(sheet, nodes);
    sheet.hidden = false;
    backdrop.hidden = false;
    if (window.matchMedia("(min-width: 761px)").matches && anchor) {
      var r = anchor.getBoundingClientRect();
      sheet.style.top = Math.min(r.bottom + 4, window.innerHeight - sheet.offsetHeight - 8) + "px";
      sheet.style.left = Math.max(8, Math.min(r.left, window.innerWidth - sheet.offsetWidth - 8)) + "px";
    } else { sheet.style.top = ""; sheet.style.left = ""; }
    var first = sheet.querySelector("button, input, select");
    if (first) first.focus();
  }
  function item(text, fn) { var b = button("menu-item", text, function () { fn(); }); b.setAttribute("role", "menuitem"); return b; }
  function menu(m, anchor) {
    var mine = m.sender.person_id === MINE, items = [];
    if (st.canPost) items.push(item(t("reply"), function () { closeMenu(); setContext({ reply: m }); input.focus(); }));
    items.push(item(t("copy"), function () { closeMenu(); if (navigator.clipboard) navigator.clipboard.writeText(m.body); }));
    if (mine && st.canPost) {
      items.push(item(t("edit"), function () { closeMenu(); setContext({ edit: m }); input.value = m.body; autosize(); input.focus(); }));
      items.push(item(t("recall"), function () {
        showSheet([el("p", "menu-prompt", t("recall_confirm")), item(t("recall"), function () {
          closeMenu();
          api("POST", G("/messages/" + m.seq + "/recall")).then(function (r) {
            if (r.ok) onRecall({ seq: m.seq }); else refusal(r);
          }, offlineNotice);
        }), item(t("cancel"), closeMenu)], anchor);
      }));
    }
    if (!mine && st.group.my_role) items.push(item(t("order.report"), function () { report(m, anchor); }));
    if (st.canManage) {
      items.push(item(m.pinned ? t("unpin") : t("pin"), function () {
        closeMenu();
        api(m.pinned ? "DELETE" : "PUT", G("/messages/" + m.seq + "/pin")).then(function (r) {
          if (r.ok) { onEdit(r.body); syncPinned(r.body); } else refusal(r);
        }, offlineNotice);
      }));
      items.push(item(t("categorise"), function () { categorise(m, anchor); }));
      items.push(item(t("order.remove"), function () {
        ask(anchor, t("order.remove_reason"), function (reason) {
          return api("POST", G("/messages/" + m.seq + "/removal"), { reason: reason }).then(function (r) { if (r.ok) onEdit(r.body); return r; });
        });
      }));
      items.push(item(t("order.close_thread"), function () {
        ask(anchor, t("order.close_reason"), function (reason) {
          return api("POST", G("/messages/" + m.seq + "/close-thread"), { reason: reason }).then(function (r) {
            if (r.ok) notice({ message: t("order.thread_closed") }, "ok");
            return r;
          });
        });
      }));
      items.push(item(t("order.mark_decision"), function () {
        ask(anchor, t("order.decision_title"), function (title) {
          return api("POST", G("/messages/" + m.seq + "/decision"), { title: title });
        });
      }));
    }
    showSheet(items, anchor);
  }
  // One line of text asked for, then an action; a refusal is shown as usual.
  function ask(anchor, label, act) {
    var form = el("form", "menu-form"), field = el("input");
    field.required = true; field.maxLength = 200; field.setAttribute("aria-label", label); field.placeholder = label;
    var go = el("button", "primary", t("order.confirm"));
    go.type = "submit";
    form.append(el("label", "", label), field, go);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      act(field.value.trim()).then(function (r) { closeMenu(); if (!r.ok) refusal(r); }, function () { closeMenu(); offlineNotice(); });
    });
    showSheet([form], anchor);
  }
  // The report dialog: the reporter's identity never reaches the reported person or admins.
  function report(m, anchor) {
    var form = el("form", "menu-form report-form"), select = el("select"), reason = el("textarea");
    form.id = "report-form";
    select.name = "category"; select.setAttribute("aria-label", t("order.report_category"));
    ["conduct", "off_topic", "security", "non_enforcement"].forEach(function (c) {
      var o = el("option", "", t("order.category." + c)); o.value = c; select.appendChild(o);
    });
    reason.name = "reason"; reason.required = true; reason.maxLength = 2000; reason.rows = 3;
    reason.placeholder = t("order.report_reason"); reason.setAttribute("aria-label", t("order.report_reason"));
    var anon = el("input"), label = el("label", "check");
    anon.type = "checkbox"; anon.name = "anonymous";
    label.append(anon, " ", t("order.report_anonymous"));
    var go = el("button", "primary", t("order.report_send"));
    go.type = "submit";
    form.append(el("p", "menu-prompt", t("order.report_title")), select, reason, label, go);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      api("POST", G("/reports"), { target: m.file ? "file" : "message", seq: m.seq, category: select.value,
        reason: reason.value.trim(), anonymous: anon.checked }).then(function (r) {
        closeMenu();
        if (!r.ok) { refusal(r); return; }
        var note = t(r.body.identity_stored ? "order.report_mode_confidential" : "order.report_mode_anonymous");
        notice({ message: t("order.report_done", { receipt: r.body.receipt }), details: [{ message: note }] }, "ok");
      }, function () { closeMenu(); offlineNotice(); });
    });
    showSheet([form], anchor);
  }
  function categorise(m, anchor) {
    var form = el("form", "menu-form"), select = el("select");
    select.setAttribute("aria-label", t("category"));
    ["", ...st.categories].forEach(function (name) {
      var o = el("option", "", name || t("no_category"));
      o.value = name;
      if (name === (m.category || "")) o.selected = true;
      select.appendChild(o);
    });
    var fresh = el("input"), tags = el("input");
    fresh.placeholder = t("new_category"); fresh.maxLength = 40;
    tags.placeholder = t("tags"); tags.value = (m.tags || []).join(" ");
    var save = el("button", "primary", t("save"));
    save.type = "submit";
    form.append(el("label", "", t("category")), select, fresh, tags, save);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var name = fresh.value.trim() || select.value;
      var define = fresh.value.trim() && st.categories.indexOf(name) < 0
        ? api("POST", G("/categories"), { name: name }) : Promise.resolve({ ok: true });
      define.then(function (r) {
        if (!r.ok) { closeMenu(); refusal(r); return; }
        if (r.body && r.body.items) { st.categories = r.body.items; renderChips(); }
        return api("PUT", G("/messages/" + m.seq + "/category"), { category: name, tags: tags.value.split(/\s+/).filter(Boolean) })
          .then(function (r2) { closeMenu(); if (r2.ok) onEdit(r2.body); else refusal(r2); });
      }, offlineNotice);
    });
    showSheet([form], anchor);
  }
  function longPress(node, fn) {
    var timer = null, x = 0, y = 0;
    node.addEventListener("touchstart", function (e) {
      x = e.touches[0].clientX; y = e.touches[0].clientY;
      timer = setTimeout(function () { timer = null; fn(); }, 500);
    }, { passive: true });
    node.addEventListener("touchmove", function (e) {
      if (timer && Math.hypot(e.touches[0].clientX - x, e.touches[0].clientY - y) > 10) { clearTimeout(timer); timer = null; }
    }, { passive: true });
    node.addEventListener("touchend", function () { clearTimeout(timer); timer = null; });
    node.addEventListener("contextmenu", function (e) { e.preventDefault(); fn(); });
  }
  function syncPinned(m) {
    st.pinned = st.pinned.filter(function (p) { return p.seq !== m.seq; });
    if (m.pinned && m.status === "visible") st.pinned.unshift(m);
    renderPinned();
  }

  // ---- the composer ----
  function setContext(ctx) {
    st.replyTo = ctx && ctx.reply ? ctx.reply : null;
    var was = st.editing;
    st.editing = ctx && ctx.edit ? ctx.edit : null;
    if (was && !st.editing) input.value = "";
    var box = $("composer-context");
    box.hidden = !ctx;
    if (!ctx) return;
    $("composer-context-text").textContent = ctx.reply
      ? t("reply_to", { name: ctx.reply.sender.name }) + "：" + snippet(ctx.reply) : t("editing");
  }
  $("composer-context-close").addEventListener("click", function () { setContext(null); autosize(); });

  var muteTimer = null;
  function renderComposer() {
    var status = $("composer-status"), mute = st.mutes[0], text = "";
    clearTimeout(muteTimer);
    if (st.removed) text = t("removed");
    else if (mute) {
      text = t("muted", { until: stamp(mute.until), reason: mute.reason });
      var left = utc(mute.until).getTime() - Date.now();
      if (left > 0 && left < 2147483647) muteTimer = setTimeout(function () { st.mutes = []; renderComposer(); }, left + 1000);
    } else if (!st.canPost) text = st.group.my_role ? t("inactive") : t("read_only");
    status.textContent = text;
    status.hidden = !text;
    input.disabled = !!text;
    $("composer-send").disabled = !!text;
    $("composer-expects").disabled = !!text;
  }
  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 140) + "px";
  }
  input.addEventListener("input", function () { autosize(); mentionPicker(); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
  });
  $("composer-form").addEventListener("submit", function (e) { e.preventDefault(); submit(); });

  function submit() {
    var body = input.value.trim();
    if (!body || input.disabled) return;
    if (st.editing) return saveEdit(st.editing, body);
    var mentions = Object.keys(st.mentions).filter(function (name) { return body.indexOf("@" + name) >= 0; })
      .map(function (name) { return st.mentions[name]; });
    var p = {
      gid: st.gid, client_id: uuid(), body: body, reply_to_seq: st.replyTo ? st.replyTo.seq : null,
      mentions: mentions, confirmed: false, expects: $("composer-expects").value,
    };
    p.view = { sender: { person_id: MINE, name: meName() }, body: body, reply_to_seq: p.reply_to_seq,
      created_at: new Date().toISOString().replace("Z", ""), status: "visible", tags: [] };
    input.value = "";
    st.mentions = {};
    $("composer-expects").value = "";
    setContext(null);
    autosize();
    $("composer-notice").hidden = true;
    post(p);
  }
  function meName() {
    var me = st.roster.filter(function (x) { return x.person_id === MINE; })[0];
    return me ? me.name : "";
  }
  function post(p) {
    p.failed = false;
    if (st.pending.indexOf(p) < 0) st.pending.push(p);
    rerender(true);
    var payload = { client_id: p.client_id, body: p.body, mentions: p.mentions, confirmed: p.confirmed };
    if (p.reply_to_seq) payload.reply_to_seq = p.reply_to_seq;
    if (p.expects) payload.expects = p.expects;
    api("POST", "/api/v1/groups/" + p.gid + "/messages", payload).then(function (r) {
      if (!st || st.gid !== p.gid) return;
      if (r.status >= 500 || !r.body) { p.failed = true; rerender(true); return; }
      drop(p);
      if (r.status === 200 && r.body.status === "acknowledged") {
        // A bare "收到" acknowledged a notice: recorded, not posted.
        data.acks[String(r.body.acknowledged.notice_id)] = r.body.acknowledged.at;
        rerender(true);
        notice(r.body.notice, "ok");
      } else if (r.status === 201) {
        onMessage(r.body.message, true);
        if (r.body.notice) notice(r.body.notice, "warn");
      } else if (r.status === 202) {
        st.held.push(r.body.message);
        rerender(true);
        notice(r.body.notice, "warn");
      } else if (r.status === 409 && r.body.error && r.body.error.code === "messages.confirm_required") {
        restore(p);
        notice(r.body.error, "warn", [
          button("primary", t("confirm_send"), function () { input.value = ""; p.confirmed = true; $("composer-notice").hidden = true; post(p); }),
          button("", t("cancel"), function () { $("composer-notice").hidden = true; }),
        ]);
      } else {
        restore(p);
        refusal(r);
      }
    }, function () { p.failed = true; if (st && st.gid === p.gid) rerender(true); });
  }
  function drop(p) { st.pending = st.pending.filter(function (x) { return x !== p; }); }
  function restore(p) {
    rerender(true);
    if (!input.value) { input.value = p.body; autosize(); }
  }
  function saveEdit(m, body) {
    api("PATCH", G("/messages/" + m.seq), { body: body }).then(function (r) {
      if (r.ok) { setContext(null); autosize(); $("composer-notice").hidden = true; onEdit(r.body); } else refusal(r);
    }, offlineNotice);
  }
  function refusal(r) {
    var err = r.body && r.body.error;
    if (err && err.code === "messages.muted") {
      api("GET", G("/mutes")).then(function (m) {
        if (m.ok) { st.mutes = m.body.items.filter(function (x) { return x.person_id === MINE; }); renderComposer(); }
      });
    }
    notice(err || { message: t("network") }, "error");
  }
  function offlineNotice() { notice({ message: t("network") }, "error"); }
  function notice(n, tone, actions) {
    var box = $("composer-notice");
    box.className = "composer-notice alert alert-" + (tone || "error");
    box.setAttribute("role", tone === "error" ? "alert" : "status");
    var parts = [el("strong", "", n.message)];
    (n.details || []).forEach(function (d) { parts.push(el("p", "small", d.message)); });
    (n.citations || []).forEach(function (c) {
      var p = el("p", "citation small", c.quote + " ");
      p.appendChild(el("code", "clause-id", c.clause));
      parts.push(p);
    });
    var close = button("link notice-close", "×", function () { box.hidden = true; });
    close.setAttribute("aria-label", t("close"));
    parts.push(close);
    if (actions) { var row = el("div", "actions"); row.append.apply(row, actions); parts.push(row); }
    box.replaceChildren.apply(box, parts);
    box.hidden = false;
  }

  // @ mentions: pick from the roster; what the body still names is sent as mentions.
  var picker = $("mention-list");
  function mentionPicker() {
    var before = input.value.slice(0, input.selectionStart), m = /(?:^|\s)@([^\s@]{0,10})$/.exec(before);
    if (!m) { picker.hidden = true; return; }
    var q = m[1], found = st.roster.filter(function (x) { return x.person_id !== MINE && x.name.indexOf(q) >= 0; }).slice(0, 8);
    picker.hidden = !found.length;
    picker.replaceChildren.apply(picker, found.map(function (x) {
      var li = el("li");
      li.appendChild(button("mention-item", x.name, function () {
        var start = before.length - q.length;
        input.value = input.value.slice(0, start) + x.name + " " + input.value.slice(input.selectionStart);
        st.mentions[x.name] = x.person_id;
        picker.hidden = true;
        input.focus();
      }));
      return li;
    }));
  }

  // ---- what the stream brings ----
  // ---- alerts (篇六 四.1): the member silences a group; urgent notices alert all the same ----
  function renderAlerts() {
    var muted = data.muted.indexOf(st.gid) >= 0, b = $("alerts-toggle");
    b.setAttribute("aria-pressed", muted ? "true" : "false");
    b.textContent = t(muted ? "alerts_off" : "alerts_on");
  }
  $("alerts-toggle").addEventListener("click", function () {
    var gid = st.gid, muted = data.muted.indexOf(gid) < 0;
    if (window.Notification && Notification.permission === "default") Notification.requestPermission();
    api("PUT", "/api/v1/groups/" + gid + "/alerts", { muted: muted }).then(function (r) {
      if (!r.ok) return refusal(r);
      data.muted = data.muted.filter(function (g) { return g !== gid; });
      if (muted) data.muted.push(gid);
      if (st && st.gid === gid) renderAlerts();
    }, offlineNotice);
  });
  function maybeAlert(m) {
    if (m.sender.person_id === MINE || !window.Notification || Notification.permission !== "granted") return;
    if (st && m.group_id === st.gid && !document.hidden) return;  // in view: no alert needed
    var urgent = m.kind === "notice" && m.notice && m.notice.priority === "urgent";
    if (!urgent && data.muted.indexOf(m.group_id) >= 0) return;
    var g = groups.filter(function (x) { return x.id === m.group_id; })[0];
    try {
      new Notification((urgent ? "【" + t("notice_urgent") + "】" : "") + (g ? g.name : ""), { body: snippet(m), tag: "group-" + m.group_id });
    } catch (e) { /* a browser that offers alerts only from a service worker */ }
  }
  function onMessage(m, own) {
    if (!own) maybeAlert(m);
    if (!st || m.group_id !== st.gid) {
      if (m.sender.person_id !== MINE) { unread[m.group_id] = (unread[m.group_id] || 0) + 1; renderBadge(m.group_id); }
      bump(m);
      return;
    }
    var known = m.seq in st.msgs;
    var bottom = atBottom();
    if (m.kind === "notice" && m.notice && !known) {
      // A new notice reached this group: members are its recipients; it goes on top.
      if (m.notice.reply_required && m.sender.person_id !== MINE && !(String(m.notice.id) in data.acks)) data.acks[String(m.notice.id)] = null;
      if (m.pinned) { st.pinned.unshift(m); renderPinned(); }
    }
    st.held = st.held.filter(function (h) { return h.client_id !== m.client_id || h.sender.person_id !== m.sender.person_id; });
    st.pending = st.pending.filter(function (p) { return p.client_id !== m.client_id || m.sender.person_id !== MINE; });
    var appended = !known && (!st.order.length || m.seq > st.order[st.order.length - 1]);
    store(m);
    bump(m);
    if (known) return rerender(false);
    rerender(bottom || own || m.sender.person_id === MINE);
    if (appended && !(bottom || own || m.sender.person_id === MINE)) { st.fresh += 1; renderPill(); }
    markReadSoon();
  }
  function onEdit(m) {
    if (!st || m.group_id !== st.gid) return;
    if (m.category && st.categories.indexOf(m.category) < 0) { st.categories.push(m.category); renderChips(); }
    if (m.seq in st.msgs) { st.msgs[m.seq] = m; rerender(false); }
    if (st.pinned.some(function (p) { return p.seq === m.seq; })) syncPinned(m);
  }
  function onRecall(d) {
    var m = st.msgs[d.seq];
    if (m) { m.status = "recalled"; m.body = ""; m.pinned = false; rerender(false); }
    st.pinned = st.pinned.filter(function (p) { return p.seq !== d.seq; });
    renderPinned();
  }
  function onPin(d) {
    var m = st.msgs[d.seq];
    if (m) { m.pinned = d.pinned; rerender(false); syncPinned(m); return; }
    api("GET", G("/messages?after=" + st.lastSeq)).then(function (r) { if (r.ok) { st.pinned = r.body.pinned; renderPinned(); } });
  }
  function onEvent(f) {
    var mineGroup = st && f.group_id === st.gid;
    switch (f.type) {
      case "message": onMessage(f.data); break;
      case "edit": onEdit(f.data); break;
      case "thread_closed": break;
      case "recall": if (mineGroup) onRecall(f.data); break;
      case "pin": if (mineGroup) onPin(f.data); break;
      case "muted": if (mineGroup) { st.mutes = [{ person_id: MINE, until: f.data.until, reason: f.data.reason }]; renderComposer(); } break;
      case "unmuted": if (mineGroup) { st.mutes = []; renderComposer(); } break;
      case "member_joined":
      case "member_left": membership(f); break;
    }
  }
  function membership(f) {
    var me = f.data.person_id === MINE;
    if (me && f.type === "member_joined") {
      api("GET", "/api/v1/groups").then(function (r) {
        if (!r.ok) return;
        groups = r.body.items.filter(function (g) { return g.my_role; });
        groups.forEach(addGroupRow);
      });
      return;
    }
    if (me) {
      var row = groupRow(f.group_id);
      if (row) row.parentNode.remove();
      if (st && st.gid === f.group_id) { st.removed = true; renderComposer(); }
      return;
    }
    if (st && st.gid === f.group_id) {
      api("GET", G("/members")).then(function (r) {
        if (!r.ok) return;
        st.roster = r.body.items.map(function (x) { return { person_id: x.person_id, name: x.display_name }; });
        $("conv-count").textContent = t("members", { n: st.roster.length });
      });
    }
  }

  // The stream: reconnect with bounded backoff, each time saying what we already have.
  var ws = null, backoff = 500, retry = null, connectedOnce = false;
  function hello() {
    if (!ws || ws.readyState !== 1) return;
    var since = {};
    if (st && st.group.my_role) since[st.gid] = st.lastSeq;
    ws.send(JSON.stringify({ type: "hello", since: since }));
  }
  function connect() {
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/stream");
    ws.onopen = hello;
    ws.onmessage = function (e) {
      var f;
      try { f = JSON.parse(e.data); } catch (err) { return; }
      if (f.type === "sync") {
        backoff = 500;
        $("conv-state").hidden = true;
        root.dataset.live = "1";
        (f.messages || []).forEach(function (m) { onMessage(m); });
        if (connectedOnce) refreshUnread();
        connectedOnce = true;
      } else if (f.type !== "pong") onEvent(f);
    };
    ws.onclose = function (e) {
      root.dataset.live = "0";
      $("conv-state").hidden = false;
      if (e.code === 4401 || e.code === 4403) return; // signed out: a reload asks to sign in
      var wait = backoff + Math.random() * backoff / 2;
      backoff = Math.min(backoff * 2, 15000);
      retry = setTimeout(connect, wait);
    };
  }
  function refreshUnread() {
    api("GET", "/api/v1/unread").then(function (r) {
      if (!r.ok) return;
      Object.keys(unread).forEach(function (g) { unread[g] = 0; });
      Object.assign(unread, r.body.groups);
      groups.forEach(function (g) { renderBadge(g.id); });
    });
  }
  setInterval(function () { if (ws && ws.readyState === 1) ws.send('{"type":"ping"}'); }, 25000);
  // Back online: try at once rather than wait out the backoff.
  window.addEventListener("online", function () {
    if (ws && ws.readyState > 1 && retry) { clearTimeout(retry); retry = null; backoff = 500; connect(); }
  });

  $("pinned-toggle").addEventListener("click", function () { togglePinned(); });
  if (data.current) open(data.current);
  connect();
})();
