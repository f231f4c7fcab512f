/*
 * "Systèmes sur site / On-premises systems": look up a member and their cases in the mission
 * system, search and open documents of the legacy archive. Every call goes through the relay
 * endpoints (POST api/relay/{operation}); a 202 answer is followed on its status URL. The API and
 * the on-premises agent decide what each user may see; this page only shows it.
 */
(function () {
  'use strict';
  var M = window.spgqMessages;
  Object.assign(M['fr-CA'], {
    relayTitle: 'Systèmes sur site',
    membersTitle: 'Membres et dossiers',
    memberLegend: 'Trouver un membre',
    fMemberNumber: 'Numéro de membre (ex. M00042)', fMemberName: 'ou nom', memberHint: 'Indiquez un numéro de membre ou un nom.',
    findMember: 'Chercher', colMember: 'Membre', colName: 'Nom', colEmployer: 'Employeur', colSection: 'Section', colStatus: 'Statut',
    openCases: 'Dossiers ouverts', noMembers: 'Aucun membre trouvé.', casesOf: 'Dossiers ouverts de {member}', noCases: 'Aucun dossier ouvert.',
    colCase: 'Dossier', colKind: 'Type', colTitle: 'Objet', colOpened: 'Ouvert le', caseTitle: 'Dossier {case}', history: 'Historique',
    closedOn: 'Fermé le', archiveTitle: 'Archives anciennes', archiveLegend: 'Rechercher des documents',
    fWords: 'Mots du titre', fDocFrom: 'Daté à partir du', fDocTo: 'Daté jusqu’au', fClassification: 'Code de classification (ex. GRF-01)',
    archiveHint: 'Indiquez au moins un critère.', searchDocs: 'Rechercher', colDate: 'Date', colClass: 'Classification', colType: 'Type', colSize: 'Taille',
    openDoc: 'Ouvrir', restricted: 'accès restreint', noDocs: 'Aucun document trouvé.', docsFound: '{shown} document(s) affiché(s) sur {total}.',
    working: 'Demande en cours…', stillWorking: 'L’agent sur site traite encore la demande…', opened: 'Document ouvert dans un nouvel onglet.', kib: 'Ko',
    kind_grievance: 'Grief', kind_accommodation: 'Accommodement', kind_complaint: 'Plainte',
    status_open: 'ouvert', status_in_progress: 'en cours', status_hearing: 'audition', status_closed: 'fermé',
    status_active: 'actif', status_retired: 'retraité', status_suspended: 'suspendu',
  });
  Object.assign(M.en, {
    relayTitle: 'On-premises systems',
    membersTitle: 'Members and cases',
    memberLegend: 'Find a member',
    fMemberNumber: 'Member number (e.g. M00042)', fMemberName: 'or name', memberHint: 'Give a member number or a name.',
    findMember: 'Search', colMember: 'Member', colName: 'Name', colEmployer: 'Employer', colSection: 'Section', colStatus: 'Status',
    openCases: 'Open cases', noMembers: 'No member found.', casesOf: 'Open cases of {member}', noCases: 'No open case.',
    colCase: 'Case', colKind: 'Kind', colTitle: 'Subject', colOpened: 'Opened', caseTitle: 'Case {case}', history: 'History',
    closedOn: 'Closed', archiveTitle: 'Legacy archive', archiveLegend: 'Search documents',
    fWords: 'Title words', fDocFrom: 'Dated from', fDocTo: 'Dated until', fClassification: 'Classification code (e.g. GRF-01)',
    archiveHint: 'Give at least one criterion.', searchDocs: 'Search', colDate: 'Date', colClass: 'Classification', colType: 'Type', colSize: 'Size',
    openDoc: 'Open', restricted: 'restricted', noDocs: 'No document found.', docsFound: '{shown} document(s) shown of {total}.',
    working: 'Working…', stillWorking: 'The on-premises agent is still working on it…', opened: 'Document opened in a new tab.', kib: 'KB',
    kind_grievance: 'Grievance', kind_accommodation: 'Accommodation', kind_complaint: 'Complaint',
    status_open: 'open', status_in_progress: 'in progress', status_hearing: 'hearing', status_closed: 'closed',
    status_active: 'active', status_retired: 'retired', status_suspended: 'suspended',
  });

  var ctx = null;

  var el = window.spgq.el;
  var field = window.spgq.field;

  function value(id) { return document.getElementById(id).value.trim(); }

  function say(where, text, isError) {
    var node = document.getElementById(where);
    node.textContent = text;
    node.className = isError ? 'relay-error' : '';
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  /** Calls an operation; follows a 202 on its status URL for up to a minute. */
  function relay(operation, params, statusId) {
    say(statusId, ctx.t('working'));
    return ctx.api('relay/' + operation, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) }).then(function (body) {
      if (body.status !== 'pending') return body.result;
      var started = Date.now();
      function poll() {
        say(statusId, ctx.t('stillWorking'));
        return sleep(2000).then(function () { return ctx.api('relay/requests/' + body.requestId); }).then(function (next) {
          if (next.status !== 'pending') return next.result;
          if (Date.now() - started > 60000) throw new Error(ctx.t('stillWorking'));
          return poll();
        });
      }
      return poll();
    });
  }

  function table(headers, rows) {
    return el('table', { class: 'results' }, [
      el('thead', {}, [el('tr', {}, headers.map(function (h) { return el('th', { scope: 'col', i18n: h }); }))]),
      el('tbody', {}, rows.map(function (cells) {
        return el('tr', {}, cells.map(function (c) { return el('td', {}, [typeof c === 'string' ? document.createTextNode(c) : c]); }));
      })),
    ]);
  }

  function button(key, onClick, label) {
    var b = el('button', { type: 'button', class: 'link-button' });
    b.textContent = label || ctx.t(key);
    b.addEventListener('click', onClick);
    return b;
  }

  function showMembers(members) {
    var out = document.getElementById('members-results');
    out.textContent = '';
    document.getElementById('cases-results').textContent = '';
    if (!members.length) { out.appendChild(el('p', { i18n: 'noMembers' })); return; }
    out.appendChild(table(['colMember', 'colName', 'colEmployer', 'colSection', 'colStatus', 'openCases'], members.map(function (m) {
      var name = m.firstName + ' ' + m.lastName;
      var b = button('openCases', function () { loadCases(m.memberNumber, name); });
      b.setAttribute('aria-label', ctx.t('casesOf', { member: name }));
      return [m.memberNumber, name, m.employer, m.section, ctx.t('status_' + m.status), b];
    })));
  }

  function loadCases(memberNumber, name) {
    relay('listOpenCases', { memberNumber: memberNumber }, 'members-status').then(function (result) {
      say('members-status', '');
      var out = document.getElementById('cases-results');
      out.textContent = '';
      var heading = el('h4', { tabindex: '-1', text: ctx.t('casesOf', { member: name }) });
      out.appendChild(heading);
      if (!result.cases.length) out.appendChild(el('p', { i18n: 'noCases' }));
      else out.appendChild(table(['colCase', 'colKind', 'colTitle', 'colStatus', 'colOpened'], result.cases.map(function (c) {
        return [button(null, function () { loadCase(c.caseNumber); }, c.caseNumber), ctx.t('kind_' + c.kind), c.title, ctx.t('status_' + c.status), c.openedOn];
      })));
      out.appendChild(el('div', { id: 'case-detail' }));
      heading.focus();
    }).catch(function (e) { say('members-status', e.message, true); });
  }

  function loadCase(caseNumber) {
    relay('getCase', { caseNumber: caseNumber }, 'members-status').then(function (result) {
      say('members-status', '');
      var c = result.case;
      var out = document.getElementById('case-detail');
      out.textContent = '';
      var heading = el('h4', { tabindex: '-1', text: ctx.t('caseTitle', { case: c.caseNumber }) });
      out.appendChild(heading);
      out.appendChild(el('dl', { class: 'case-details' }, [
        el('dt', { i18n: 'colKind' }), el('dd', { text: ctx.t('kind_' + c.kind) }),
        el('dt', { i18n: 'colTitle' }), el('dd', { text: c.title }),
        el('dt', { i18n: 'colStatus' }), el('dd', { text: ctx.t('status_' + c.status) }),
        el('dt', { i18n: 'colOpened' }), el('dd', { text: c.openedOn }),
        c.closedOn ? el('dt', { i18n: 'closedOn' }) : null, c.closedOn ? el('dd', { text: c.closedOn }) : null,
      ]));
      out.appendChild(el('h5', { i18n: 'history' }));
      out.appendChild(el('ol', {}, result.history.map(function (h) { return el('li', { text: h.on + ' — ' + ctx.t('status_' + h.status) + ' — ' + h.note }); })));
      heading.focus();
    }).catch(function (e) { say('members-status', e.message, true); });
  }

  function showDocuments(result) {
    var out = document.getElementById('docs-results');
    out.textContent = '';
    say('docs-status', ctx.t('docsFound', { shown: result.documents.length, total: result.total }));
    if (!result.documents.length) { out.appendChild(el('p', { i18n: 'noDocs' })); return; }
    out.appendChild(table(['colTitle', 'colDate', 'colClass', 'colType', 'colSize', 'openDoc'], result.documents.map(function (d) {
      var b = button('openDoc', function () { openDocument(d.documentId); });
      b.setAttribute('aria-label', ctx.t('openDoc') + ' : ' + d.title);
      return [d.title + (d.restricted ? ' (' + ctx.t('restricted') + ')' : ''), d.date, d.classification, d.mediaType === 'application/pdf' ? 'PDF' : 'TXT', Math.ceil(d.sizeBytes / 1024) + ' ' + ctx.t('kib'), b];
    })));
  }

  function openDocument(documentId) {
    // Opened before the call so the browser does not treat it as an unrequested pop-up.
    var tab = window.open('', '_blank');
    relay('fetchDocument', { documentId: documentId }, 'docs-status').then(function (result) {
      var url;
      if (result.content.kind === 'link') url = result.content.url;
      else {
        var bytes = Uint8Array.from(atob(result.content.base64), function (ch) { return ch.charCodeAt(0); });
        url = URL.createObjectURL(new Blob([bytes], { type: result.document.mediaType }));
      }
      if (tab) { tab.opener = null; tab.location.href = url; } else window.location.assign(url);
      say('docs-status', ctx.t('opened'));
    }).catch(function (e) {
      if (tab) tab.close();
      say('docs-status', e.message, true);
    });
  }

  function mount(detail) {
    ctx = detail;
    var root = document.getElementById('page-root');
    root.textContent = '';
    var memberForm = el('form', { id: 'member-form', class: 'relay-form', novalidate: 'novalidate' }, [
      el('fieldset', {}, [
        el('legend', { i18n: 'memberLegend' }),
        field('m-number', 'fMemberNumber', 'text', { autocomplete: 'off', pattern: 'M[0-9]{5}' }),
        field('m-name', 'fMemberName', 'text', { autocomplete: 'off' }),
        el('p', { class: 'hint', i18n: 'memberHint' }),
        el('button', { type: 'submit', class: 'button-primary', i18n: 'findMember' }),
      ]),
    ]);
    var docsForm = el('form', { id: 'docs-form', class: 'relay-form', novalidate: 'novalidate' }, [
      el('fieldset', {}, [
        el('legend', { i18n: 'archiveLegend' }),
        field('d-words', 'fWords'), field('d-from', 'fDocFrom', 'date'), field('d-to', 'fDocTo', 'date'),
        field('d-class', 'fClassification', 'text', { autocomplete: 'off' }),
        el('p', { class: 'hint', i18n: 'archiveHint' }),
        el('button', { type: 'submit', class: 'button-primary', i18n: 'searchDocs' }),
      ]),
    ]);
    root.appendChild(el('div', { class: 'relay' }, [
      el('h2', { id: 'relay-title', i18n: 'relayTitle' }),
      el('section', { class: 'panel', 'aria-labelledby': 'members-title' }, [
        el('h3', { id: 'members-title', i18n: 'membersTitle' }), memberForm,
        el('p', { id: 'members-status', role: 'status', 'aria-live': 'polite' }),
        el('div', { id: 'members-results' }), el('div', { id: 'cases-results' }),
      ]),
      el('section', { class: 'panel', 'aria-labelledby': 'docs-title' }, [
        el('h3', { id: 'docs-title', i18n: 'archiveTitle' }), docsForm,
        el('p', { id: 'docs-status', role: 'status', 'aria-live': 'polite' }),
        el('div', { id: 'docs-results' }),
      ]),
    ]));
    memberForm.addEventListener('submit', function (e) {
      e.preventDefault();
      var number = value('m-number').toUpperCase();
      var name = value('m-name');
      if (!number && !name) { say('members-status', ctx.t('memberHint'), true); return; }
      relay('lookupMember', number ? { memberNumber: number } : { name: name }, 'members-status')
        .then(function (result) { say('members-status', ''); showMembers(result.members); })
        .catch(function (err) {
          if (err.status === 404) { say('members-status', ''); showMembers([]); } else say('members-status', err.message, true);
        });
    });
    docsForm.addEventListener('submit', function (e) {
      e.preventDefault();
      var params = {};
      if (value('d-words')) params.words = value('d-words');
      if (value('d-from')) params.from = value('d-from');
      if (value('d-to')) params.to = value('d-to');
      if (value('d-class')) params.classification = value('d-class').toUpperCase();
      if (!Object.keys(params).length) { say('docs-status', ctx.t('archiveHint'), true); return; }
      relay('searchDocuments', params, 'docs-status').then(showDocuments).catch(function (err) { say('docs-status', err.message, true); });
    });
  }

  document.addEventListener('spgq:signed-in', function (e) {
    if (document.getElementById('page-root').getAttribute('data-page') !== 'relay') return;
    mount(e.detail);
  });
})();
