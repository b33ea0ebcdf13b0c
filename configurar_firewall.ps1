<#
.SYNOPSIS
  Abre en el Firewall de Windows los puertos que usa PC3 (chat, archivos y videollamadas).
  Opens the Windows Firewall ports PC3 uses (chat, files and video calls).

.DESCRIPTION
  Crea (o actualiza) reglas de entrada con nombres fijos, "PC3 chat (TCP 9009)" etc., de
  modo que ejecutarlo dos veces no duplica nada. Con -Quitar borra las reglas.
  Debe ejecutarse como Administrador; si no lo es, se vuelve a lanzar elevado.

  Creates or updates inbound rules with fixed names, so running it twice duplicates nothing.
  -Quitar removes them. Needs Administrator; relaunches itself elevated when it is not.

.PARAMETER PuertoChat
  Puerto TCP del chat (por defecto 9009). / Chat TCP port.
.PARAMETER PuertoArchivos
  Puerto TCP de archivos (por defecto 9010). / File TCP port.
.PARAMETER PuertoMedia
  Puerto UDP del vídeo de las llamadas (por defecto 9020). / Call media UDP port.
.PARAMETER Perfil
  Perfiles de red: Private, Domain, Public o Any (por defecto "Private,Domain").
.PARAMETER Quitar
  Borra las reglas de PC3 en lugar de crearlas. / Remove PC3's rules.
.PARAMETER English
  Mensajes en inglés. / Messages in English.

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File .\configurar_firewall.ps1
.EXAMPLE
  powershell -ExecutionPolicy Bypass -File .\configurar_firewall.ps1 -PuertoChat 9100 -PuertoArchivos 9101
#>
[CmdletBinding()]
param(
  [ValidateRange(1, 65535)][int]$PuertoChat = 9009,
  [ValidateRange(1, 65535)][int]$PuertoArchivos = 9010,
  [ValidateRange(1, 65535)][int]$PuertoMedia = 9020,
  [string]$Perfil = "Private,Domain",
  [switch]$Quitar,
  [switch]$English
)

$ErrorActionPreference = "Stop"

function T([string]$es, [string]$en) { if ($English) { $en } else { $es } }

# Relaunch elevated when not running as Administrator, keeping every parameter.
$principal = New-Object Security.Principal.WindowsPrincipal(
  [Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  Write-Host (T "Hacen falta permisos de Administrador; abriendo una ventana elevada..." `
                "Administrator rights are needed; opening an elevated window...")
  $forward = @("-NoProfile", "-ExecutionPolicy", "Bypass", "-File", "`"$PSCommandPath`"",
    "-PuertoChat", $PuertoChat, "-PuertoArchivos", $PuertoArchivos, "-PuertoMedia", $PuertoMedia,
    "-Perfil", "`"$Perfil`"")
  if ($Quitar) { $forward += "-Quitar" }
  if ($English) { $forward += "-English" }
  try {
    Start-Process -FilePath "powershell.exe" -ArgumentList $forward -Verb RunAs -Wait
  } catch {
    Write-Host (T "No se concedieron permisos de Administrador. No se cambió nada." `
                  "Administrator rights were not granted. Nothing was changed.") -ForegroundColor Red
    exit 1
  }
  exit 0
}

$rules = @(
  @{ Name = "PC3 chat"; Protocol = "TCP"; Port = $PuertoChat },
  @{ Name = "PC3 archivos"; Protocol = "TCP"; Port = $PuertoArchivos },
  @{ Name = "PC3 videollamadas"; Protocol = "UDP"; Port = $PuertoMedia }
)
$profiles = $Perfil -split "," | ForEach-Object { $_.Trim() } | Where-Object { $_ }

foreach ($rule in $rules) {
  $group = "PC3"
  $display = "$($rule.Name) ($($rule.Protocol))"
  # Any earlier PC3 rule of this service (maybe on another port) is replaced, never duplicated.
  $existing = Get-NetFirewallRule -Group $group -ErrorAction SilentlyContinue |
    Where-Object { $_.DisplayName -eq $display }
  if ($Quitar) {
    if ($existing) {
      $existing | Remove-NetFirewallRule
      Write-Host (T "Quitada la regla: $display" "Removed rule: $display")
    } else {
      Write-Host (T "No existía la regla: $display" "Rule did not exist: $display")
    }
    continue
  }
  if ($existing) {
    $existing | Set-NetFirewallRule -Direction Inbound -Action Allow -Enabled True -Profile $profiles
    $existing | Get-NetFirewallPortFilter | Set-NetFirewallPortFilter -Protocol $rule.Protocol `
      -LocalPort $rule.Port
    Write-Host (T "Actualizada: $display, puerto $($rule.Port) abierto" `
                  "Updated: $display, port $($rule.Port) open") -ForegroundColor Green
  } else {
    New-NetFirewallRule -DisplayName $display -Group $group -Direction Inbound -Action Allow `
      -Protocol $rule.Protocol -LocalPort $rule.Port -Profile $profiles | Out-Null
    Write-Host (T "Creada: $display, puerto $($rule.Port) abierto" `
                  "Created: $display, port $($rule.Port) open") -ForegroundColor Green
  }
}

if (-not $Quitar) {
  Write-Host ""
  Write-Host (T "Listo. Perfiles de red: $($profiles -join ', '). Si la red del aula es 'Pública', vuelve a ejecutar con -Perfil Any." `
                "Done. Network profiles: $($profiles -join ', '). If the lab network is 'Public', run again with -Perfil Any.")
  Write-Host (T "Para deshacerlo: .\configurar_firewall.ps1 -Quitar" "To undo: .\configurar_firewall.ps1 -Quitar")
}
