#!/usr/bin/env bash
# Sites.Selected gives the app no site until one is granted: grants the function app's managed
# identity full control (folders, sharing, retention labels) on one SharePoint site, e.g. a
# service's Team site after collaboration created it. Run by a SharePoint Administrator, whose
# token holds Sites.FullControl.All; the app itself never holds it.
#
# Usage: infra/scripts/grant-sites.sh <app-identity-client-id> <site-url>
#   e.g. grant-sites.sh 0000... https://syndicat.sharepoint.com/sites/administration
set -euo pipefail
client_id="${1:?managed identity client (application) id}"
site_url="${2:?site URL}"
graph=https://graph.microsoft.com/v1.0
host="$(sed -E 's#https://([^/]+)/.*#\1#' <<<"$site_url")"
path="$(sed -E 's#https://[^/]+##' <<<"$site_url")"
site_id="$(az rest --method GET --url "$graph/sites/$host:$path" --query id -o tsv)"
az rest --method POST --url "$graph/sites/$site_id/permissions" --headers Content-Type=application/json \
  --body "{\"roles\":[\"fullcontrol\"],\"grantedToIdentities\":[{\"application\":{\"id\":\"$client_id\",\"displayName\":\"spgq-app\"}}]}" >/dev/null
echo "granted fullcontrol on $site_url"
