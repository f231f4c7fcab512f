/*
 * The Teams tab shell. Inside Teams it gets the user's token through Teams SSO
 * (@microsoft/teams-js); outside Teams, on the local stack only, it signs in against the local
 * token issuer. Pages call the API with that token; the API decides what each user may see.
 */
(function () {
  'use strict';
  var TOKEN_KEY = 'spgq.token';
  var STATE_KEY = 'spgq.signInState';
  var LANG_KEY = 'spgq.language';
  var state = { language: initialLanguage(), config: null, token: null, me: null };

  function initialLanguage() {
    var stored = localStorage.getItem(LANG_KEY);
    if (stored === 'en' || stored === 'fr-CA') return stored;
    return /^en\b/i.test(navigator.language || '') ? 'en' : 'fr-CA';
  }

  function t(key, params) {
    var text = window.spgqMessages[state.language][key];
    return String(text).replace(/\{(\w+)\}/g, function (_, name) { return params && params[name] != null ? params[name] : ''; });
  }

  function $(id) { return document.getElementById(id); }

  function applyLanguage() {
    document.documentElement.lang = state.language;
    document.querySelectorAll('[data-i18n]').forEach(function (el) { el.textContent = t(el.getAttribute('data-i18n')); });
    document.title = t('appTitle');
    var sw = $('language-switch');
    sw.textContent = t('switchLanguage');
    sw.setAttribute('aria-label', t('switchLanguageLabel'));
    sw.setAttribute('lang', t('switchLanguageLang'));
    if (state.me) renderIdentity();
  }

  function show(section) {
    ['signed-out', 'signed-in', 'error'].forEach(function (id) { $(id).hidden = id !== section; });
  }

  function setStatus(text) { $('status').textContent = text; }

  function showError(message) {
    $('error').textContent = t('errorGeneric', { message: message });
    show('error');
    setStatus('');
  }

  function api(path, options) {
    options = options || {};
    var headers = Object.assign({ 'accept-language': state.language }, options.headers || {});
    if (state.token) headers.authorization = 'Bearer ' + state.token;
    return fetch('../' + path, Object.assign({}, options, { headers: headers })).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var err = new Error((body.error && body.error.message) || response.statusText);
          err.status = response.status;
          throw err;
        }
        return body;
      });
    });
  }

  function insideTeams() {
    if (!window.microsoftTeams || window.parent === window) return Promise.resolve(false);
    return Promise.race([
      window.microsoftTeams.app.initialize().then(function () { return true; }),
      new Promise(function (resolve) { setTimeout(function () { resolve(false); }, 3000); }),
    ]).catch(function () { return false; });
  }

  function teamsToken() {
    return window.microsoftTeams.authentication.getAuthToken();
  }

  function tokenFromRedirect() {
    if (!location.hash || location.hash.length < 2) return null;
    var params = new URLSearchParams(location.hash.slice(1));
    var token = params.get('access_token');
    var expected = sessionStorage.getItem(STATE_KEY);
    history.replaceState(null, '', location.pathname + location.search);
    sessionStorage.removeItem(STATE_KEY);
    if (!token || !expected || params.get('state') !== expected) return null;
    sessionStorage.setItem(TOKEN_KEY, token);
    return token;
  }

  function startLocalSignIn() {
    var c = state.config;
    var nonce = crypto.getRandomValues(new Uint32Array(4)).join('-');
    sessionStorage.setItem(STATE_KEY, nonce);
    var url = new URL(c.authority + '/' + c.tenantId + '/oauth2/v2.0/authorize');
    url.search = new URLSearchParams({
      client_id: c.clientId,
      response_type: 'token',
      redirect_uri: location.origin + location.pathname,
      scope: c.scope,
      state: nonce,
      ui_locales: state.language,
    }).toString();
    location.assign(url.toString());
  }

  function renderIdentity() {
    var me = state.me;
    $('welcome').textContent = t('welcome', { name: me.name || me.oid });
    var roleNames = window.spgqMessages[state.language].roles;
    $('roles').textContent = me.roles.length ? me.roles.map(function (r) { return roleNames[r] || r; }).join(', ') : t('noRoles');
  }

  function loadIdentity() {
    return api('me').then(function (me) {
      state.me = me;
      renderIdentity();
      show('signed-in');
      $('sign-out').hidden = !state.config.localSignIn;
      setStatus(t('signedIn'));
      $('main').focus();
      document.dispatchEvent(new CustomEvent('spgq:signed-in', { detail: { api: api, me: me, t: t } }));
    });
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    state.me = null;
    $('sign-out').hidden = true;
    show('signed-out');
    setStatus('');
    $('sign-in').focus();
  }

  function start() {
    applyLanguage();
    $('language-switch').addEventListener('click', function () {
      state.language = state.language === 'fr-CA' ? 'en' : 'fr-CA';
      localStorage.setItem(LANG_KEY, state.language);
      applyLanguage();
    });
    $('sign-out').addEventListener('click', signOut);
    $('sign-in').addEventListener('click', function () {
      if (state.config && state.config.localSignIn) startLocalSignIn();
      else setStatus(t('openInTeams'));
    });
    api('web/config.json')
      .then(function (config) {
        state.config = config;
        return insideTeams();
      })
      .then(function (teams) {
        if (teams) return teamsToken().then(function (token) { state.token = token; return loadIdentity(); });
        state.token = tokenFromRedirect() || sessionStorage.getItem(TOKEN_KEY);
        if (state.token) {
          return loadIdentity().catch(function (err) {
            if (err.status === 401) return signOut();
            throw err;
          });
        }
        show('signed-out');
        setStatus(state.config.localSignIn ? '' : t('openInTeams'));
      })
      .catch(function (err) { showError(err.message); });
  }

  // token(): for pages that download files (a binary response cannot go through api()).
  /** Builds an element: attrs `text` sets its text, `i18n` a catalog key (re-translated on language switch). */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'i18n') { node.setAttribute('data-i18n', attrs[k]); node.textContent = t(attrs[k]); }
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  /** A labelled input (the label from the catalog), for the pages' forms. */
  function field(id, key, type, extra) {
    return el('div', { class: 'field' }, [el('label', { for: id, i18n: key }), el('input', Object.assign({ id: id, name: id, type: type || 'text' }, extra || {}))]);
  }

  // Page scripts load after this one and take these helpers; they run once the DOM is ready.
  window.spgq = { t: t, api: api, el: el, field: field, token: function () { return state.token; } };
  document.addEventListener('DOMContentLoaded', start);
})();
