<#
.SYNOPSIS
  Mailbox access for the function app's managed identity with Exchange Online RBAC for
  Applications: Mail.Read only on the members of the archive group, Mail.Send only from the two
  service sender mailboxes. Never a tenant-wide Mail.Read or Mail.Send in Entra ID (Entra
  permissions add up with these: a tenant-wide grant would undo the scope).

.DESCRIPTION
  Run by an Exchange Administrator, in PowerShell 7 with the ExchangeOnlineManagement module:
    Connect-ExchangeOnline
    ./infra/scripts/exchange-scope.ps1 -AppClientId $env:APP_IDENTITY_CLIENT_ID -AppPrincipalId $env:APP_IDENTITY_PRINCIPAL_ID `
      -ArchiveGroup 'Archivage-Courriels' -SenderMailboxes 'formation@syndicat.ca','espaces@syndicat.ca'
  The archive group must be mail-enabled (a mail-enabled security group or distribution group):
  the scope's filter is MemberOfGroup on its distinguished name. Membership changes take effect in
  Exchange within about an hour (role assignments cache); Test-ServicePrincipalAuthorization at the
  end shows what the app can reach now. Re-running updates the scopes in place.
#>
param(
  [Parameter(Mandatory)] [string] $AppClientId,
  [Parameter(Mandatory)] [string] $AppPrincipalId,
  [Parameter(Mandatory)] [string] $ArchiveGroup,
  [Parameter(Mandatory)] [string[]] $SenderMailboxes
)
$ErrorActionPreference = 'Stop'

# Exchange's pointer to the Entra service principal (the managed identity).
if (-not (Get-ServicePrincipal -Identity $AppPrincipalId -ErrorAction SilentlyContinue)) {
  New-ServicePrincipal -AppId $AppClientId -ObjectId $AppPrincipalId -DisplayName 'SPGQ Transformation (managed identity)' | Out-Null
}

function Set-Scope([string] $Name, [string] $Filter) {
  if (Get-ManagementScope -Identity $Name -ErrorAction SilentlyContinue) {
    Set-ManagementScope -Identity $Name -RecipientRestrictionFilter $Filter
  } else {
    New-ManagementScope -Name $Name -RecipientRestrictionFilter $Filter | Out-Null
  }
}

function Set-Assignment([string] $Role, [string] $Scope) {
  $existing = Get-ManagementRoleAssignment -RoleAssignee $AppPrincipalId -Role $Role -ErrorAction SilentlyContinue
  if (-not $existing) {
    New-ManagementRoleAssignment -App $AppPrincipalId -Role $Role -CustomResourceScope $Scope | Out-Null
  }
}

# Mail.Read: the archive group's members only (ARCHIVE_SCOPE_GROUP names the same group).
$group = Get-Group -Identity $ArchiveGroup
Set-Scope 'SPGQ-Archive' "MemberOfGroup -eq '$($group.DistinguishedName)'"
Set-Assignment 'Application Mail.Read' 'SPGQ-Archive'

# Mail.Send: the training and request sender mailboxes only.
$senderFilter = ($SenderMailboxes | ForEach-Object { "PrimarySmtpAddress -eq '$_'" }) -join ' -or '
Set-Scope 'SPGQ-Senders' $senderFilter
Set-Assignment 'Application Mail.Send' 'SPGQ-Senders'

# What the app can reach: one member of the group (InScope True) and the first sender.
$member = Get-DistributionGroupMember -Identity $ArchiveGroup -ResultSize 1
if ($member) { Test-ServicePrincipalAuthorization -Identity $AppPrincipalId -Resource $member.PrimarySmtpAddress | Format-Table }
Test-ServicePrincipalAuthorization -Identity $AppPrincipalId -Resource $SenderMailboxes[0] | Format-Table
