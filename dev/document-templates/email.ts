import { BRAND } from './brand';

/**
 * The meeting notice e-mail (convocation.html): French first, the English version below, in one
 * message. Placeholders in double braces ({{date}}, {{lieu}}...) are filled in by whoever sends it.
 * Layout tables (role="presentation") and inline styles, as e-mail clients need; every text colour
 * keeps at least 4.5:1 against its background.
 */

const C = BRAND.colours;
const FONT = `${BRAND.fonts.body}, Arial, Helvetica, sans-serif`;

interface Labels {
  lang: string;
  heading: string;
  greeting: string;
  intro: string;
  when: string;
  where: string;
  online: string;
  agenda: string;
  reply: string;
  closing: string;
}

const FR: Labels = {
  lang: 'fr-CA',
  heading: 'Convocation',
  greeting: 'Bonjour,',
  intro: 'Nous vous convoquons à la rencontre suivante : <strong>{{instance}}</strong>.',
  when: 'Date et heure',
  where: 'Lieu',
  online: 'En ligne',
  agenda: 'Ordre du jour',
  reply: 'Merci de confirmer votre présence au plus tard le {{date_limite}} en répondant à ce courriel.',
  closing: 'Au plaisir de vous y voir,',
};

const EN: Labels = {
  lang: 'en-CA',
  heading: 'Meeting notice',
  greeting: 'Hello,',
  intro: 'You are invited to the following meeting: <strong>{{instance}}</strong>.',
  when: 'Date and time',
  where: 'Place',
  online: 'Online',
  agenda: 'Agenda',
  reply: 'Please confirm your attendance by {{date_limite}} by replying to this e-mail.',
  closing: 'We look forward to seeing you,',
};

const p = (html: string) => `<p style="margin:0 0 16px 0;font-family:${FONT};font-size:16px;line-height:1.5;color:#${C.text};">${html}</p>`;

function part(l: Labels): string {
  const row = (label: string, value: string) =>
    `<tr><th scope="row" style="padding:8px 12px;text-align:left;vertical-align:top;font-family:${FONT};font-size:15px;color:#${C.primary};width:34%;">${label}</th>` +
    `<td style="padding:8px 12px;font-family:${FONT};font-size:15px;color:#${C.text};">${value}</td></tr>`;
  return [
    `<div lang="${l.lang}">`,
    `<h1 style="margin:0 0 16px 0;font-family:${FONT};font-size:22px;line-height:1.3;color:#${C.primary};">${l.heading} — {{instance}}</h1>`,
    p(l.greeting),
    p(l.intro),
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 16px 0;background-color:#${C.light};border-left:4px solid #${C.primary};">`,
    row(l.when, '{{date}}, {{heure}}'),
    row(l.where, '{{lieu}}'),
    row(l.online, '{{lien_reunion}}'),
    `</table>`,
    `<h2 style="margin:0 0 8px 0;font-family:${FONT};font-size:17px;color:#${C.primary};">${l.agenda}</h2>`,
    `<div style="margin:0 0 16px 0;font-family:${FONT};font-size:16px;line-height:1.5;color:#${C.text};">{{ordre_du_jour}}</div>`,
    p(l.reply),
    p(`${l.closing}<br>{{signataire}}<br>{{fonction}}`),
    `</div>`,
  ].join('\n');
}

export function convocationEmail(): string {
  return `<!DOCTYPE html>
<html lang="fr-CA">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Convocation — {{instance}} / Meeting notice</title>
</head>
<body style="margin:0;padding:0;background-color:#F4F6F8;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;background-color:#F4F6F8;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="640" cellpadding="0" cellspacing="0" style="border-collapse:collapse;width:100%;max-width:640px;background-color:#FFFFFF;">
<tr><td style="padding:20px 28px;background-color:#${C.primary};border-bottom:4px solid #${C.accent};">
<p style="margin:0;font-family:${FONT};font-size:17px;font-weight:bold;color:#FFFFFF;">${BRAND.name}</p>
</td></tr>
<tr><td style="padding:28px;">
${part(FR)}
<hr style="border:0;border-top:1px solid #D9D9D9;margin:24px 0;">
<p lang="en-CA" style="margin:0 0 16px 0;font-family:${FONT};font-size:13px;color:#${C.muted};">English version</p>
${part(EN)}
</td></tr>
<tr><td style="padding:16px 28px;background-color:#${C.light};">
<p style="margin:0;font-family:${FONT};font-size:13px;line-height:1.5;color:#${C.muted};">${BRAND.name} · ${BRAND.address} · ${BRAND.phone}</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}
