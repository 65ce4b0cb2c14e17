// Offline attendance on the trainer's pages (templates/programs/_offline.html includes it).
//
// - Registers the service worker (offline-sw.js) and asks it to keep "My sessions" and the
//   rosters of the trainer's sessions on the phone.
// - Roster: a save goes to the phone's queue first (IndexedDB, one Idempotency-Key per save,
//   the time it was marked), then to POST /api/v1/sessions/{id}/attendance/ when there is a
//   connection: at once, on the "online" event, by Background Sync, at the next opening of a
//   page, and every 30 s while saves wait. The page says what is "saved on this phone, not yet
//   sent", what is "sent" and what the server refused.
// - Sign-out: sends what waits; if that fails, says how many saves would be lost and asks;
//   then deletes the phone's copies (Cache Storage, the IndexedDB database) and the key cookie,
//   in case the browser ignores the server's Clear-Site-Data.
// - At each load (issue 20): data of another sign-in (a key that no longer opens it) or kept
//   longer than data-max-days without a successful sync is erased, after one try to send the
//   saves waiting; the page says so, and how many saves could not be sent.
// Without JavaScript, or without IndexedDB, the roster form posts to the server as before.
/* global OfflineStore */
(function () {
  "use strict";
  var root = document.querySelector("[data-offline-attendance]");
  var Store = window.OfflineStore;
  if (window.OfflineAttendancePage || !root || !Store || !window.indexedDB || !window.Promise) {
    return;
  }
  window.OfflineAttendancePage = true;

  var data = root.dataset;
  var user = String(data.user || "");
  var swUrl = data.swUrl;
  var scope = swUrl.replace(/[^/]*$/, "");
  var logoutPath = new URL(data.logoutUrl, location.href).pathname;
  Store.configure({
    mySessions: data.mySessionsUrl,
    roster: data.rosterUrl.replace("/0/", "/{id}/"),
    keyCookie: data.keyCookie,
    previousKeyCookie: data.previousKeyCookie,
    maxDays: data.maxDays,
  });
  var copyTakenAt = Number(document.documentElement.dataset.offlineCopy || 0) || null;
  var worker = "serviceWorker" in navigator && window.isSecureContext;
  var usable = false; // IndexedDB answered: saves may go through the phone's queue
  var sending = null;
  var ready = false;
  var announced = null; // key of the save whose "not yet sent" the alert at the top tells
  var REFRESH_DELAY_MS = 1500;
  var RETRY_MS = 30000;

  var form = document.querySelector("form[data-roster]");
  var sessionId = form ? Number(form.dataset.session) : null;
  var statusBox = document.querySelector("[data-offline-status]");
  var summaryBox = document.querySelector("[data-offline-summary]");

  // --- Texts (translated in the template) -------------------------------------------------
  function text(name, values) {
    var template = data["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
    return template.replace(/%\((\w+)\)s/g, function (whole, key) {
      return values && key in values ? values[key] : whole;
    });
  }

  function counted(name, count) {
    return text(count === 1 ? name + "One" : name + "Other", { count: count });
  }

  // Times are shown on the session's site's clock with the zone's name (issue 22), as the
  // server's attendance history shows them, whatever the phone's own zone.
  function when(ms, timeZone) {
    var date = new Date(ms);
    var zone = timeZone || (form && form.dataset.timeZone) || data.timeZone || undefined;
    // 24-hour, as the server's pages show times (the history says "21:33", so does this).
    var options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" };
    if (dayIn(zone, date) !== dayIn(zone, new Date())) {
      options.day = "numeric";
      options.month = "short";
    }
    try {
      options.timeZone = zone;
      return date.toLocaleString(document.documentElement.lang || undefined, options);
    } catch (error) {
      delete options.timeZone;
      return date.toLocaleString(undefined, options);
    }
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (content) {
      node.textContent = content;
    }
    return node;
  }

  // --- The service worker -----------------------------------------------------------------
  // Registered from any trainer's page (once the page has been open a moment, or at once when
  // saves wait); it controls the pages under its scope (/programs/).
  // navigator.serviceWorker.ready is not used: it only answers on pages inside the scope.
  var registering = null;

  function registration(create) {
    if (!worker) {
      return Promise.resolve(null);
    }
    if (registering) {
      return registering;
    }
    if (!create) {
      return navigator.serviceWorker
        .getRegistration(scope)
        .then(function (found) {
          return found || null;
        })
        .catch(function () {
          return null;
        });
    }
    registering = navigator.serviceWorker
      .register(swUrl, { scope: scope })
      .catch(function () {
        return navigator.serviceWorker.getRegistration(scope);
      })
      .then(function (found) {
        return found || null;
      })
      .catch(function () {
        return null;
      });
    return registering;
  }

  // The active worker, waiting a little for one being installed (first visit).
  function activeWorker(waitMs, create) {
    return registration(create).then(function (found) {
      if (!found) {
        return null;
      }
      if (found.active) {
        return found.active;
      }
      var coming = found.installing || found.waiting;
      if (!coming) {
        return null;
      }
      return withTimeout(
        new Promise(function (resolve) {
          coming.addEventListener("statechange", function () {
            if (coming.state === "activated") {
              resolve(coming);
            } else if (coming.state === "redundant") {
              resolve(null);
            }
          });
        }),
        waitMs
      ).then(function (active) {
        return active || null;
      });
    });
  }

  // A message to the active worker, answered through a MessageChannel (or null).
  function ask(message, waitMs, create) {
    return activeWorker(5000, create).then(function (active) {
      if (!active) {
        return null;
      }
      // The sign-in's key, for a worker that cannot read cookies (kept in its memory only).
      message.kek = Store.pageKek();
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        var timer = setTimeout(function () {
          resolve(null);
        }, waitMs || 30000);
        channel.port1.onmessage = function (event) {
          clearTimeout(timer);
          resolve(event.data);
        };
        active.postMessage(message, [channel.port2]);
      });
    });
  }

  function assetUrls() {
    var urls = [];
    document.querySelectorAll("link[rel=stylesheet][href], script[src]").forEach(function (node) {
      urls.push(node.href || node.src);
    });
    return urls;
  }

  function refresh(force) {
    if (!worker || !navigator.onLine) {
      return Promise.resolve(null);
    }
    var message = {
      type: "refresh",
      force: Boolean(force),
      user: user,
      page: location.pathname,
      assets: assetUrls(),
    };
    return ask(message, 30000, true).then(function (result) {
        if (result && result.pages && result.pages.indexOf(location.pathname) >= 0) {
          ready = true;
          document.documentElement.dataset.offlineReady = "true";
        }
        return render().then(function () {
          return result;
        });
      });
  }

  function registerSync() {
    if (!worker) {
      return Promise.resolve();
    }
    return registration(false)
      .then(function (found) {
        return found && found.sync ? found.sync.register("offline-attendance") : null;
      })
      .catch(function () {});
  }

  // --- Sending ----------------------------------------------------------------------------
  function domToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function sendNow() {
    if (!usable) {
      return Promise.resolve(null);
    }
    if (sending) {
      // A save added while a send runs is picked up by the next one.
      return sending.then(sendNow);
    }
    sending = viaWorker().then(
      function (result) {
        return result || Store.send({ user: user, token: domToken() });
      }
    ).then(
      function (result) {
        sending = null;
        if (result.stopped === "network" || result.stopped === "retry") {
          registerSync();
        }
        return render().then(function () {
          return result;
        });
      },
      function () {
        sending = null;
        return render().then(function () {
          return null;
        });
      }
    );
    return sending;
  }

  // The worker sends when there is one (the same way as Background Sync); the page itself
  // when there is none. Either way one sender at a time (a lock in offline-store.js).
  function viaWorker() {
    if (!worker) {
      return Promise.resolve(null);
    }
    var message = { type: "send", user: user, token: domToken() };
    return ask(message, 90000, true).then(function (result) {
      return result && result.sent ? result : null;
    });
  }

  function withTimeout(promise, ms) {
    return Promise.race([
      promise,
      new Promise(function (resolve) {
        setTimeout(resolve, ms);
      }),
    ]);
  }

  // --- What the phone holds, shown on the page ---------------------------------------------
  function state() {
    return Promise.all([Store.saves(), Store.getMeta("auth")]).then(function (values) {
      return {
        saves: values[0].filter(function (save) {
          return save.user === user;
        }),
        auth: values[1] === "needed",
      };
    });
  }

  function badge(save) {
    if (save.state === "pending") {
      return element("span", "badge text-bg-warning me-1", text("badgePending"));
    }
    if (save.state === "refused") {
      return element("span", "badge text-bg-danger me-1", text("badgeRefused"));
    }
    return element("span", "badge text-bg-success me-1", text("badgeSent"));
  }

  function refusal(save) {
    var values = { time: when(save.created, save.timeZone), detail: save.detail || "" };
    return save.detail ? text("refused", values) : text("refusedUnknown", values);
  }

  function saveLine(save, label) {
    var item = element("li", "mb-1");
    item.dataset.offlineSave = "";
    item.dataset.state = save.state;
    item.dataset.session = save.session;
    item.appendChild(badge(save));
    if (label) {
      item.appendChild(element("span", "fw-semibold me-1", save.label || ""));
    }
    var line;
    if (save.state === "pending") {
      line = text("pending", { time: when(save.created, save.timeZone) });
    } else if (save.state === "sent") {
      line = text("sent", { time: when(save.sent_at || save.created, save.timeZone) });
    } else {
      line = refusal(save);
    }
    item.appendChild(element("span", "", line));
    if (save.state === "refused") {
      var dismiss = element("button", "btn btn-link btn-sm p-0 ms-2 align-baseline");
      dismiss.textContent = text("dismiss");
      dismiss.type = "button";
      dismiss.addEventListener("click", function () {
        Store.deleteSave(save.seq).then(render);
      });
      item.appendChild(dismiss);
    }
    return item;
  }

  function signInNotice() {
    var box = element("p", "mb-1 text-danger-emphasis");
    box.dataset.offlineSignIn = "";
    box.appendChild(element("span", "me-1", text("signIn")));
    var link = element("a", "", text("signInLink"));
    link.href = data.loginUrl + "?next=" + encodeURIComponent(location.pathname);
    box.appendChild(link);
    return box;
  }

  // The alert said "saved on this phone, not yet sent": now it says what became of the save.
  function followUp(saves) {
    var save = saves.filter(function (row) {
      return row.key === announced;
    })[0];
    if (!save || save.state === "pending") {
      return;
    }
    announced = null;
    if (save.state === "sent") {
      announce("success", counted("saved", typeof save.changed === "number" ? save.changed : 0));
    } else {
      announce("danger", refusal(save));
    }
  }

  function copyNote() {
    return text("copy", { time: when(copyTakenAt) });
  }

  function renderRoster(current) {
    if (announced) {
      followUp(current.saves);
    }
    var mine = current.saves.filter(function (save) {
      return save.session === sessionId;
    });
    var waiting = mine.filter(function (save) {
      return save.state !== "sent";
    });
    var sent = mine.filter(function (save) {
      return save.state === "sent";
    });
    var shown = waiting.concat(sent.slice(-1)).sort(function (a, b) {
      return a.seq - b.seq;
    });
    statusBox.replaceChildren();
    if (!navigator.onLine) {
      statusBox.appendChild(element("p", "mb-1 text-warning-emphasis", text("offline")));
    }
    if (current.auth && waiting.some(function (save) { return save.state === "pending"; })) {
      statusBox.appendChild(signInNotice());
    }
    if (shown.length) {
      var list = element("ul", "list-unstyled mb-1");
      shown.forEach(function (save) {
        list.appendChild(saveLine(save, false));
      });
      statusBox.appendChild(list);
    }
    if (copyTakenAt) {
      statusBox.appendChild(element("p", "mb-0 small text-body-secondary", copyNote()));
    } else if (ready) {
      statusBox.appendChild(element("p", "mb-0 small text-body-secondary", text("ready")));
    }
  }

  function renderSummary(current) {
    var waiting = current.saves.filter(function (save) {
      return save.state !== "sent";
    });
    summaryBox.replaceChildren();
    if (!navigator.onLine) {
      summaryBox.appendChild(element("p", "mb-1 text-warning-emphasis", text("offline")));
    }
    if (current.auth && waiting.length) {
      summaryBox.appendChild(signInNotice());
    }
    if (waiting.length) {
      summaryBox.appendChild(element("h2", "h5", text("summary")));
      var list = element("ul", "list-unstyled mb-3");
      waiting.forEach(function (save) {
        list.appendChild(saveLine(save, true));
      });
      summaryBox.appendChild(list);
    }
    if (copyTakenAt) {
      summaryBox.appendChild(element("p", "small text-body-secondary", copyNote()));
    }
    // A mark on each session of the list that has saves waiting.
    document.querySelectorAll("main [data-offline-badge]").forEach(function (old) {
      old.remove();
    });
    waiting.forEach(function (save) {
      var href = Store.url("roster", save.session);
      document.querySelectorAll('main a[href="' + href + '"]').forEach(function (link) {
        if (link.querySelector('[data-offline-badge="' + save.state + '"]')) {
          return;
        }
        var mark = badge(save);
        mark.dataset.offlineBadge = save.state;
        mark.classList.add("ms-1");
        (link.querySelector(".fw-semibold") || link).appendChild(mark);
      });
    });
  }

  function render() {
    if (!usable || (!statusBox && !summaryBox)) {
      return Promise.resolve();
    }
    return state()
      .then(function (current) {
        if (statusBox && sessionId) {
          renderRoster(current);
        }
        if (summaryBox) {
          renderSummary(current);
        }
      })
      .catch(function () {});
  }

  // An alert at the top of the page, as the server's messages are shown (one at a time).
  function announce(kind, message) {
    var main = document.querySelector("main");
    var old = document.querySelector("[data-offline-alert]");
    if (old) {
      old.remove();
    }
    var alert = element("div", "alert alert-" + kind, message);
    alert.setAttribute("role", "alert");
    alert.dataset.offlineAlert = "";
    main.insertBefore(alert, main.firstChild);
  }

  // --- The roster -------------------------------------------------------------------------
  function radio(person, status) {
    var name = "attendance-" + person;
    return form.querySelector('input[type=radio][name="' + name + '"][value="' + status + '"]');
  }

  // What the phone knows beyond the page. On a copy: the marks of the latest sessions list when
  // it is newer than the copy, then the saves sent since. Always: the saves not yet sent.
  function applySaves(saves, session, refreshedAt) {
    var marks = {};
    var base = copyTakenAt || 0;
    if (copyTakenAt && session && refreshedAt && refreshedAt > copyTakenAt) {
      base = refreshedAt;
      (session.roster || []).forEach(function (row) {
        if (row.status) {
          marks[row.person] = row.status;
        }
      });
    }
    saves
      .filter(function (save) {
        if (save.session !== sessionId || save.user !== user) {
          return false;
        }
        if (save.state === "pending") {
          return true;
        }
        return copyTakenAt && save.state === "sent" && (save.sent_at || 0) > base;
      })
      .forEach(function (save) {
        Object.keys(save.marks || {}).forEach(function (person) {
          marks[person] = save.marks[person];
        });
      });
    var changed = false;
    Object.keys(marks).forEach(function (person) {
      var input = radio(person, marks[person]);
      if (input && !input.checked) {
        input.checked = true;
        changed = true;
      }
    });
    if (changed) {
      form.dispatchEvent(new CustomEvent("roster:refresh"));
    }
  }

  function dayIn(timeZone, moment) {
    try {
      var parts = {};
      var options = { timeZone: timeZone, year: "numeric", month: "2-digit", day: "2-digit" };
      new Intl.DateTimeFormat("en-GB", options).formatToParts(moment).forEach(function (part) {
        parts[part.type] = part.value;
      });
      return parts.year + "-" + parts.month + "-" + parts.day;
    } catch (error) {
      return Store.localIso(moment).slice(0, 10);
    }
  }

  function todayIn(timeZone) {
    return dayIn(timeZone, new Date());
  }

  // A copy taken on another day says what the server said then; the phone decides now from the
  // session's date and correction window (the server checks again when the save arrives).
  function allowMarking(session) {
    if (!copyTakenAt || !session) {
      return;
    }
    var open =
      session.status !== "cancelled" &&
      todayIn((form && form.dataset.timeZone) || data.timeZone) >= session.date &&
      (!session.correction_closes_at || Date.now() < Date.parse(session.correction_closes_at));
    form.querySelectorAll("input[type=radio]").forEach(function (input) {
      input.disabled = !open;
    });
    document.querySelectorAll("[data-roster-markable]").forEach(function (node) {
      node.hidden = !open;
    });
    if (open) {
      document.querySelectorAll("[data-roster-not-yet]").forEach(function (node) {
        node.hidden = true;
      });
    }
  }

  function collectMarks() {
    var marks = {};
    form.querySelectorAll("input[type=radio]:checked").forEach(function (input) {
      var person = input.name.replace(/^attendance-/, "");
      if (/^\d+$/.test(person) && !input.disabled) {
        marks[person] = input.value;
      }
    });
    return marks;
  }

  function postForm() {
    HTMLFormElement.prototype.submit.call(form);
  }

  function onRosterSubmit(event) {
    if (!usable) {
      return; // the form posts to the server as without JavaScript
    }
    event.preventDefault();
    var marks = collectMarks();
    if (!Object.keys(marks).length) {
      announce("warning", text("nothing"));
      return;
    }
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = true;
    }
    var save = {
      key: Store.uuid(),
      user: user,
      session: sessionId,
      label: form.dataset.label || "",
      timeZone: form.dataset.timeZone || "",
      marks: marks,
      marked_at: Store.localIso(new Date()),
      created: Date.now(),
      state: "pending",
    };
    Store.addSave(save)
      .then(
        function (added) {
          form.dispatchEvent(new CustomEvent("roster:saved"));
          if (!navigator.onLine) {
            registerSync();
            announce("info", text("queued"));
            announced = added.key;
            return render();
          }
          return render()
            .then(sendNow)
            .then(function (result) {
              return outcome(added, result);
            });
        },
        function () {
          postForm(); // the phone's store refused: the server form still works
        }
      )
      .then(function () {
        if (button) {
          button.disabled = false;
        }
      });
  }

  // What became of the save just made (it was sent after any older one still waiting).
  function outcome(added, result) {
    var find = function (list) {
      return (list || []).filter(function (item) {
        return item.key === added.key;
      })[0];
    };
    var sent = result && find(result.sent);
    var refused = result && find(result.refused);
    if (sent) {
      var changed = sent.body && typeof sent.body.changed === "number" ? sent.body.changed : 0;
      announce("success", counted("saved", changed));
      return null;
    }
    if (refused && (refused.status === 404 || refused.status === 405)) {
      // The API does not know this roster: nothing was written; let the server form answer.
      return Store.deleteSave(added.seq).then(postForm);
    }
    if (refused) {
      return Store.saves().then(function (saves) {
        var row = saves.filter(function (save) {
          return save.key === added.key;
        })[0];
        announce("danger", refusal(row || added));
      });
    }
    announce("info", text("queued"));
    announced = added.key;
    return null;
  }

  // --- Sign-out ---------------------------------------------------------------------------
  function forgetAll() {
    return Promise.all([
      ask({ type: "forget", everything: true }, 5000, false),
      Store.forget(true),
      Store.clearCaches(),
    ])
      .catch(function () {})
      .then(function () {
        // The database itself, and the key: whatever the browser does with Clear-Site-Data.
        Store.dropCookie(Store.settings.keyCookie);
        Store.dropCookie(Store.settings.previousKeyCookie);
        return Store.wipe();
      })
      .catch(function () {});
  }

  // A copy kept on the phone may carry a token from before the last sign-in: take one now.
  function submitSignOut(signOutForm) {
    var input = signOutForm.querySelector("input[name=csrfmiddlewaretoken]");
    var token = copyTakenAt && input ? Store.freshToken() : Promise.resolve(null);
    token.then(function (fresh) {
      if (fresh) {
        input.value = fresh;
      }
      HTMLFormElement.prototype.submit.call(signOutForm);
    });
  }

  function finishSignOut(signOutForm) {
    if (navigator.onLine) {
      submitSignOut(signOutForm);
      return;
    }
    // Offline: the server cannot be told yet. Nothing is left on the phone or on the screen;
    // the sign-out is sent as soon as the connection returns.
    var main = document.querySelector("main");
    main.replaceChildren(element("div", "alert alert-info", text("logoutOffline")));
    main.firstChild.setAttribute("role", "alert");
    window.addEventListener("online", function () {
      submitSignOut(signOutForm);
    });
  }

  function onSignOut(event) {
    var signOutForm = event.target;
    if (!(signOutForm instanceof HTMLFormElement) || signOutForm.dataset.offlineSigningOut) {
      return;
    }
    if (new URL(signOutForm.action, location.href).pathname !== logoutPath) {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    signOutForm.dataset.offlineSigningOut = "true";
    var button = signOutForm.querySelector("[type=submit]");
    if (button) {
      button.disabled = true;
    }
    var tried = usable
      ? waiting().then(function (count) {
          return count && navigator.onLine ? withTimeout(sendNow(), 15000) : null;
        })
      : Promise.resolve();
    tried
      .then(function () {
        return usable ? Store.saves() : [];
      })
      .catch(function () {
        return [];
      })
      .then(function (saves) {
        var unsent = saves.filter(function (save) {
          return save.state !== "sent";
        }).length;
        if (unsent && !window.confirm(counted("logout", unsent))) {
          delete signOutForm.dataset.offlineSigningOut;
          if (button) {
            button.disabled = false;
          }
          return render();
        }
        return forgetAll().then(function () {
          finishSignOut(signOutForm);
        });
      });
  }

  // --- Start ------------------------------------------------------------------------------
  document.addEventListener("submit", onSignOut, true);
  if (form && sessionId) {
    form.addEventListener("submit", onRosterSubmit);
  }

  if (worker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "offline-attendance-sent") {
        render();
      }
    });
  }

  // Erased at load (another sign-in's data, or too old): said at the top of the page. On a copy
  // kept on the phone, the roster it shows goes too.
  function tellErased(checked) {
    if (!checked || (checked.state !== "expired" && checked.state !== "stale")) {
      return;
    }
    var values = { count: checked.lost, days: checked.days };
    var message;
    if (checked.state === "stale") {
      if (!checked.lost) {
        return; // nothing was lost: the rosters are simply fetched again
      }
      message = text(checked.lost === 1 ? "staleOne" : "staleOther", values);
    } else if (!checked.lost) {
      message = text("expiredNone", values);
    } else {
      message = text(checked.lost === 1 ? "expiredOne" : "expiredOther", values);
    }
    if (copyTakenAt) {
      document.querySelector("main").replaceChildren();
      form = null;
      sessionId = null;
    }
    announce("warning", message);
    document.documentElement.dataset.offlineErased = checked.state;
  }

  // A page fresh from the server carries a token valid for this sign-in.
  var token = copyTakenAt ? null : domToken();
  Store.check({ online: navigator.onLine, user: user, token: token || "" })
    .then(tellErased, function () {})
    .then(function () {
      return Store.getMeta("auth");
    })
    .then(function () {
      usable = true;
      return token ? Store.setMeta("csrf", token) : null;
    })
    .then(function () {
      if (!form || !sessionId) {
        return null;
      }
      var known = [Store.saves(), Store.session(sessionId), Store.getMeta("refreshed")];
      return Promise.all(known).then(function (values) {
        applySaves(values[0], values[1], values[2]);
        allowMarking(values[1]);
      });
    })
    .then(render)
    .then(waiting)
    .then(function (count) {
      return count && navigator.onLine ? sendNow() : null;
    })
    .then(laterRefresh)
    .catch(function () {});

  // The ends of these chains catch: the phone's database may be closed under them when the
  // page is left or erased (IndexedDB then rejects with no reason), and an unhandled
  // rejection would be reported as an error of the page.
  window.addEventListener("online", function () {
    render();
    waiting()
      .then(function (count) {
        return count ? sendNow() : null;
      })
      .catch(function () {});
    laterRefresh();
  });
  window.addEventListener("offline", render);
  // Not while the page is still loading and the trainer may be moving on: on a weak link the
  // page the trainer asked for comes first.
  function laterRefresh() {
    setTimeout(function () {
      refresh(false);
    }, REFRESH_DELAY_MS);
  }

  function waiting() {
    return Store.saves().then(function (saves) {
      return saves.filter(function (save) {
        return save.state === "pending" && save.user === user;
      }).length;
    });
  }

  // Weak signal: no "online" event comes, so waiting saves are tried again now and then.
  setInterval(function () {
    if (navigator.onLine && usable && !sending) {
      waiting()
        .then(function (count) {
          return count ? sendNow() : null;
        })
        .catch(function () {});
    }
  }, RETRY_MS);
})();
