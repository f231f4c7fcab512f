/*
 * "Mes courriels archivés / My archived mail": search, read and download one's archived mail; for
 * RecordsManagers, a records view (legal holds, exports, completeness, integrity). Mounted into the
 * shell's #page-root once signed in. The API decides what each user may see; this page only shows it.
 */
(function () {
  'use strict';
  var M = window.spgqMessages;
  Object.assign(M['fr-CA'], {
    archiveTitle: 'Mes courriels archivés',
    searchLegend: 'Rechercher',
    fMailbox: 'Boîte aux lettres (identifiant)', fParticipant: 'Participant (adresse)', fSubject: 'Mots du sujet', fFolder: 'Dossier',
    fFrom: 'Reçu à partir du', fTo: 'Reçu jusqu’au', fAttachments: 'Avec pièces jointes seulement', searchButton: 'Rechercher',
    results: 'Résultats', noResults: 'Aucun courriel trouvé.', more: 'Résultats suivants',
    colDate: 'Reçu le', colFrom: 'De', colSubject: 'Sujet', colFolder: 'Dossier', open: 'Ouvrir', noSubject: '(sans sujet)',
    reading: 'Lecture', headersFrom: 'De', headersTo: 'À', headersCc: 'Cc', headersDate: 'Date', attachments: 'Pièces jointes',
    downloadEml: 'Télécharger le .eml', download: 'Télécharger', searching: 'Recherche…', found: '{count} courriel(s) affiché(s).',
    recordsTitle: 'Gestion documentaire', holdsTitle: 'Conservations pour litige', holdMatter: 'Dossier (nom)', holdMailboxes: 'Boîtes aux lettres (identifiants, séparés par des virgules)',
    holdParticipants: 'Participants (adresses, facultatif)', holdCreate: 'Créer la conservation', holdRelease: 'Lever', holdActive: 'active', holdReleased: 'levée',
    exportsTitle: 'Exportations', exportFormat: 'Format', exportMatter: 'Demande (nom)', exportCreate: 'Exporter la recherche courante', exportLink: 'Lien de téléchargement (expire bientôt)', exportManifest: 'Manifeste des empreintes', exportGetLink: 'Obtenir le lien',
    exportQueued: 'en attente', exportRunning: 'en préparation ({count} courriels)', exportCompleted: 'prête ({count} courriels)', exportFailed: 'échouée ({failure})', exportExpired: 'expirée, fichiers supprimés',
    'failure-content-missing': 'contenu manquant, voir l’intégrité', 'failure-attempts-exhausted': 'abandonnée après plusieurs essais', 'failure-error': 'erreur',
    completenessTitle: 'Complétude', colMailbox: 'Boîte', colArchived: 'Archivés / total', colGaps: 'Écarts', colLag: 'Retard', colLastSuccess: 'Dernière réussite',
    integrityTitle: 'Intégrité', integrityOk: 'Intègre : {verified} jours de capture vérifiés sur {sealed} ; dernière vérification {at}.', integrityCycle: ' Chaque jour a été revérifié depuis le {oldest}.', integrityMismatch: 'ALERTE : {count} problème(s) d’intégrité détecté(s) ({at}).', integrityNever: 'Aucune vérification encore.',
    refresh: 'Actualiser', none: 'Aucun',
  });
  Object.assign(M.en, {
    archiveTitle: 'My archived mail',
    searchLegend: 'Search',
    fMailbox: 'Mailbox (id)', fParticipant: 'Participant (address)', fSubject: 'Subject words', fFolder: 'Folder',
    fFrom: 'Received from', fTo: 'Received until', fAttachments: 'With attachments only', searchButton: 'Search',
    results: 'Results', noResults: 'No message found.', more: 'Next results',
    colDate: 'Received', colFrom: 'From', colSubject: 'Subject', colFolder: 'Folder', open: 'Open', noSubject: '(no subject)',
    reading: 'Reading', headersFrom: 'From', headersTo: 'To', headersCc: 'Cc', headersDate: 'Date', attachments: 'Attachments',
    downloadEml: 'Download .eml', download: 'Download', searching: 'Searching…', found: '{count} message(s) shown.',
    recordsTitle: 'Records management', holdsTitle: 'Legal holds', holdMatter: 'Matter (name)', holdMailboxes: 'Mailboxes (ids, comma-separated)',
    holdParticipants: 'Participants (addresses, optional)', holdCreate: 'Create hold', holdRelease: 'Release', holdActive: 'active', holdReleased: 'released',
    exportsTitle: 'Exports', exportFormat: 'Format', exportMatter: 'Request (name)', exportCreate: 'Export the current search', exportLink: 'Download link (expires soon)', exportManifest: 'Hash manifest', exportGetLink: 'Get the link',
    exportQueued: 'queued', exportRunning: 'in progress ({count} messages)', exportCompleted: 'ready ({count} messages)', exportFailed: 'failed ({failure})', exportExpired: 'expired, files deleted',
    'failure-content-missing': 'content missing, see integrity', 'failure-attempts-exhausted': 'given up after several attempts', 'failure-error': 'error',
    completenessTitle: 'Completeness', colMailbox: 'Mailbox', colArchived: 'Archived / total', colGaps: 'Gaps', colLag: 'Lag', colLastSuccess: 'Last success',
    integrityTitle: 'Integrity', integrityOk: 'Intact: {verified} of {sealed} days of capture verified; last verification {at}.', integrityCycle: ' Every day re-verified since {oldest}.', integrityMismatch: 'ALERT: {count} integrity problem(s) found ({at}).', integrityNever: 'Not verified yet.',
    refresh: 'Refresh', none: 'None',
  });

  var ctx = null;
  var lastFilter = {};

  var el = window.spgq.el;
  var field = window.spgq.field;

  function status(text) { document.getElementById('archive-status').textContent = text; }

  function addr(a) { return a ? (a.name ? a.name + ' <' + a.address + '>' : a.address) : ''; }

  function download(path, fallbackName) {
    return fetch('../' + path, { headers: { authorization: 'Bearer ' + window.spgq.token(), 'accept-language': document.documentElement.lang } })
      .then(function (r) {
        if (!r.ok) return r.json().then(function (b) { throw new Error(b.error ? b.error.message : r.statusText); });
        var cd = r.headers.get('content-disposition') || '';
        var m = /filename\*=UTF-8''([^;]+)/.exec(cd) || /filename="([^"]+)"/.exec(cd);
        return r.blob().then(function (blob) {
          var a = el('a', { href: URL.createObjectURL(blob), download: m ? decodeURIComponent(m[1]) : fallbackName });
          document.body.appendChild(a);
          a.click();
          a.remove();
        });
      })
      .catch(function (e) { status(e.message); });
  }

  function mount(detail) {
    ctx = detail;
    var isRecords = detail.me.roles.indexOf('RecordsManager') >= 0;
    var root = document.getElementById('page-root');
    root.textContent = '';
    var form = el('form', { id: 'archive-search', class: 'archive-search' }, [
      el('fieldset', {}, [
        el('legend', { i18n: 'searchLegend' }),
        isRecords ? field('q-mailbox', 'fMailbox') : null,
        field('q-participant', 'fParticipant', 'email'), field('q-subject', 'fSubject'), field('q-folder', 'fFolder'),
        field('q-from', 'fFrom', 'date'), field('q-to', 'fTo', 'date'),
        el('div', { class: 'field field-check' }, [el('input', { id: 'q-attachments', type: 'checkbox' }), el('label', { for: 'q-attachments', i18n: 'fAttachments' })]),
        el('button', { type: 'submit', class: 'button-primary', i18n: 'searchButton' }),
      ]),
    ]);
    root.appendChild(el('section', { 'aria-labelledby': 'archive-title', class: 'archive' }, [
      el('h2', { id: 'archive-title', i18n: 'archiveTitle' }),
      form,
      el('p', { id: 'archive-status', role: 'status', 'aria-live': 'polite' }),
      el('h3', { i18n: 'results' }),
      el('div', { id: 'archive-results' }),
      el('button', { type: 'button', id: 'archive-more', class: 'button-secondary', hidden: 'hidden', i18n: 'more' }),
      el('section', { id: 'archive-reader', 'aria-labelledby': 'reader-title', hidden: 'hidden', class: 'reader' }, [el('h3', { id: 'reader-title', i18n: 'reading' }), el('div', { id: 'reader-body' })]),
    ]));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      lastFilter = {};
      [['q-mailbox', 'mailboxId'], ['q-participant', 'participant'], ['q-subject', 'subject'], ['q-folder', 'folder'], ['q-from', 'from'], ['q-to', 'to']].forEach(function (p) {
        var input = document.getElementById(p[0]);
        if (input && input.value.trim()) lastFilter[p[1]] = input.value.trim();
      });
      if (document.getElementById('q-attachments').checked) lastFilter.hasAttachments = 'true';
      document.getElementById('archive-results').textContent = '';
      runSearch(null);
    });
    document.getElementById('archive-more').addEventListener('click', function () { runSearch(this.getAttribute('data-continuation')); });
    if (isRecords) mountRecords(root);
    runSearch(null);
  }

  function runSearch(continuation) {
    status(ctx.t('searching'));
    var params = new URLSearchParams(lastFilter);
    params.set('pageSize', '25');
    if (continuation) params.set('continuation', continuation);
    ctx.api('archive/messages?' + params.toString()).then(function (page) {
      var box = document.getElementById('archive-results');
      var table = box.querySelector('table');
      if (!table) {
        table = el('table', { class: 'results' }, [el('thead', {}, [el('tr', {}, ['colDate', 'colFrom', 'colSubject', 'colFolder', 'attachments'].map(function (k) { return el('th', { scope: 'col', i18n: k }); }))]), el('tbody')]);
        box.appendChild(table);
      }
      var body = table.querySelector('tbody');
      page.items.forEach(function (m) {
        var openButton = el('button', { type: 'button', class: 'link-button', text: m.subject || ctx.t('noSubject') });
        openButton.addEventListener('click', function () { openMessage(m.ref); });
        body.appendChild(el('tr', {}, [
          el('td', { text: new Date(m.receivedAt).toLocaleString(document.documentElement.lang, { dateStyle: 'medium', timeStyle: 'short' }) }),
          el('td', { text: addr(m.from) }), el('td', {}, [openButton]), el('td', { text: m.folderPath }),
          el('td', { text: m.attachmentNames.join(', ') }),
        ]));
      });
      var more = document.getElementById('archive-more');
      more.hidden = !page.continuation;
      if (page.continuation) more.setAttribute('data-continuation', page.continuation);
      var count = body.children.length;
      if (!count) box.textContent = ctx.t('noResults');
      status(count ? ctx.t('found', { count: count }) : ctx.t('noResults'));
    }).catch(function (e) { status(e.message); });
  }

  function openMessage(ref) {
    ctx.api('archive/messages/' + encodeURIComponent(ref)).then(function (m) {
      var reader = document.getElementById('archive-reader');
      var body = document.getElementById('reader-body');
      body.textContent = '';
      var dl = el('dl', { class: 'headers' });
      [['headersFrom', m.headers.from], ['headersTo', m.headers.to], ['headersCc', m.headers.cc], ['headersDate', m.headers.date]].forEach(function (h) {
        if (h[1]) { dl.appendChild(el('dt', { i18n: h[0] })); dl.appendChild(el('dd', { text: h[1] })); }
      });
      body.appendChild(el('h4', { id: 'reader-subject', text: m.headers.subject || ctx.t('noSubject') }));
      body.appendChild(dl);
      var content = el('div', { id: 'reader-content', class: 'message-body' });
      // The API sanitised this HTML (no script, handler, style or remote resource); text otherwise.
      if (m.html) content.innerHTML = m.html; else content.appendChild(el('pre', { text: m.text || '' }));
      body.appendChild(content);
      var eml = el('button', { type: 'button', id: 'download-eml', class: 'button-secondary', i18n: 'downloadEml' });
      eml.addEventListener('click', function () { download('archive/messages/' + encodeURIComponent(ref) + '/eml', 'message.eml'); });
      body.appendChild(eml);
      if (m.attachments.length) {
        body.appendChild(el('h4', { i18n: 'attachments' }));
        var list = el('ul', { class: 'attachments' });
        m.attachments.forEach(function (a) {
          var b = el('button', { type: 'button', class: 'link-button', text: a.filename + ' (' + Math.ceil(a.size / 1024) + ' Ko)' });
          b.addEventListener('click', function () { download('archive/messages/' + encodeURIComponent(ref) + '/attachments/' + a.index, a.filename); });
          list.appendChild(el('li', {}, [b]));
        });
        body.appendChild(list);
      }
      reader.hidden = false;
      document.getElementById('reader-title').focus();
    }).catch(function (e) { status(e.message); });
  }

  function mountRecords(root) {
    var section = el('section', { id: 'records', 'aria-labelledby': 'records-title', class: 'records' }, [
      el('h2', { id: 'records-title', i18n: 'recordsTitle' }),
      el('h3', { i18n: 'integrityTitle' }), el('p', { id: 'integrity-status', role: 'status' }),
      el('h3', { i18n: 'holdsTitle' }), el('ul', { id: 'holds-list' }),
      el('form', { id: 'hold-form' }, [field('h-matter', 'holdMatter'), field('h-mailboxes', 'holdMailboxes'), field('h-participants', 'holdParticipants'), el('button', { type: 'submit', class: 'button-secondary', i18n: 'holdCreate' })]),
      el('h3', { i18n: 'exportsTitle' }), el('ul', { id: 'exports-list' }),
      el('form', { id: 'export-form' }, [
        field('e-matter', 'exportMatter'),
        el('div', { class: 'field' }, [el('label', { for: 'e-format', i18n: 'exportFormat' }), el('select', { id: 'e-format' }, [el('option', { value: 'zip', text: 'zip (.eml)' }), el('option', { value: 'mbox', text: 'mbox' })])]),
        el('button', { type: 'submit', class: 'button-secondary', i18n: 'exportCreate' }),
      ]),
      el('h3', { i18n: 'completenessTitle' }), el('div', { id: 'completeness' }),
    ]);
    root.appendChild(section);
    document.getElementById('hold-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var list = function (id) { return document.getElementById(id).value.split(',').map(function (s) { return s.trim(); }).filter(Boolean); };
      ctx.api('archive/holds', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ matter: document.getElementById('h-matter').value, mailboxes: list('h-mailboxes'), participants: list('h-participants') }) })
        .then(loadRecords).catch(function (err) { status(err.message); });
    });
    document.getElementById('export-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var filter = Object.assign({}, lastFilter);
      if (filter.hasAttachments) filter.hasAttachments = true;
      ctx.api('archive/exports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ matter: document.getElementById('e-matter').value, format: document.getElementById('e-format').value, filter: filter }) })
        .then(function (x) { showExport(x, true); followExport(x.id); }).catch(function (err) { status(err.message); });
    });
    loadRecords();
  }

  var EXPORT_STATUS = { queued: 'exportQueued', running: 'exportRunning', completed: 'exportCompleted', failed: 'exportFailed', expired: 'exportExpired' };

  // One list item per export, replaced in place as its status changes.
  function showExport(x, prepend) {
    var list = document.getElementById('exports-list');
    var label = ctx.t(EXPORT_STATUS[x.status], { count: x.count, failure: x.failure ? ctx.t('failure-' + x.failure) : '' });
    var item = el('li', { 'data-export-id': x.id, text: x.matter + ' — ' + x.format + ' — ' + label + ' ' });
    if (x.url) {
      item.appendChild(el('a', { href: x.url, rel: 'noopener', i18n: 'exportLink' }));
      item.appendChild(document.createTextNode(' · '));
      item.appendChild(el('a', { href: x.manifestUrl, rel: 'noopener', i18n: 'exportManifest' }));
    } else if (x.status === 'completed') {
      // Links are short-lived and each one is audited: made on request only.
      var b = el('button', { type: 'button', class: 'button-secondary', i18n: 'exportGetLink' });
      b.addEventListener('click', function () { ctx.api('archive/exports/' + x.id).then(function (r) { showExport(r, false); }).catch(function (e) { status(e.message); }); });
      item.appendChild(b);
    }
    var existing = list.querySelector('[data-export-id="' + x.id + '"]');
    if (existing) list.replaceChild(item, existing);
    else if (prepend) list.insertBefore(item, list.firstChild); else list.appendChild(item);
  }

  // An export is built in the background: follow it until it is ready (then show its link) or failed.
  var following = {};
  function followExport(id) {
    if (following[id]) return;
    following[id] = true;
    ctx.api('archive/exports/' + id).then(function (x) {
      showExport(x, true);
      following[id] = false;
      if (x.status === 'queued' || x.status === 'running') setTimeout(function () { followExport(id); }, 2000);
    }).catch(function (e) { following[id] = false; status(e.message); });
  }

  function loadRecords() {
    ctx.api('archive/integrity').then(function (r) {
      var s = r.status;
      var p = document.getElementById('integrity-status');
      p.className = s && s.status === 'mismatch' ? 'alert' : '';
      p.textContent = !s ? ctx.t('integrityNever') : s.status === 'ok'
        ? ctx.t('integrityOk', { verified: s.daysVerified, sealed: s.daysSealed, at: s.checkedAt }) + (s.oldestVerdictAt ? ctx.t('integrityCycle', { oldest: s.oldestVerdictAt }) : '')
        : ctx.t('integrityMismatch', { count: s.problemCount, at: s.checkedAt });
    }).catch(function (e) { status(e.message); });
    ctx.api('archive/holds').then(function (r) {
      var list = document.getElementById('holds-list');
      list.textContent = '';
      if (!r.items.length) list.appendChild(el('li', { i18n: 'none' }));
      r.items.forEach(function (h) {
        var li = el('li', { text: h.matter + ' — ' + h.mailboxes.length + ' — ' + ctx.t(h.status === 'active' ? 'holdActive' : 'holdReleased') + ' ' });
        if (h.status === 'active') {
          var b = el('button', { type: 'button', class: 'button-secondary', i18n: 'holdRelease' });
          b.addEventListener('click', function () { ctx.api('archive/holds/' + h.id + '/release', { method: 'POST' }).then(loadRecords).catch(function (e) { status(e.message); }); });
          li.appendChild(b);
        }
        list.appendChild(li);
      });
    }).catch(function (e) { status(e.message); });
    ctx.api('archive/exports').then(function (r) {
      document.getElementById('exports-list').textContent = '';
      r.items.forEach(function (x) {
        showExport(x, false);
        if (x.status === 'queued' || x.status === 'running') followExport(x.id);
      });
    }).catch(function (e) { status(e.message); });
    ctx.api('archive/completeness').then(function (r) {
      var box = document.getElementById('completeness');
      box.textContent = '';
      var table = el('table', { class: 'results' }, [el('thead', {}, [el('tr', {}, ['colMailbox', 'colArchived', 'colGaps', 'colLag', 'colLastSuccess'].map(function (k) { return el('th', { scope: 'col', i18n: k }); }))]), el('tbody')]);
      r.mailboxes.forEach(function (m) {
        table.querySelector('tbody').appendChild(el('tr', {}, [
          el('td', { text: m.displayName || m.mailboxId }), el('td', { text: m.archived + ' / ' + m.totalItemCount }),
          el('td', { text: m.gaps.map(function (g) { return g.folderPath + ' (' + g.missing + ')'; }).join(', ') || '—' }),
          el('td', { text: m.lagSeconds == null ? '—' : Math.round(m.lagSeconds / 60) + ' min' }), el('td', { text: m.lastSuccessAt || '—' }),
        ]));
      });
      box.appendChild(table);
    }).catch(function (e) { status(e.message); });
  }

  document.addEventListener('spgq:signed-in', function (e) {
    if (document.getElementById('page-root').getAttribute('data-page') !== 'archive') return;
    mount(e.detail);
  });
})();
