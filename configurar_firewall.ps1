<#
.SYNOPSIS
  Abre en el Firewall de Windows los puertos que usa PC3 (chat, archivos y videollamadas).
  Opens the Windows Firewall ports PC3 uses (chat, files and video calls).

.DESCRIPTION
  Crea (o actualiza) tres reglas de entrada del grupo "PC3" con nombres fijos:
  "PC3 chat (TCP)", "PC3 archivos (TCP)" y "PC3 videollamadas (UDP)"; ejecutarlo dos veces
  no duplica nada. Por defecto solo admite equipos de la subred local (-Origen Todo lo abre a
  cualquier origen). Avisa si la red es "Pública" y si Windows creó reglas de bloqueo para
  pc3-server.exe o deno.exe (pasa cuando alguien cerró el aviso "permitir esta aplicación");
  -QuitarBloqueos las borra. Con -Quitar borra las reglas de PC3.
  Necesita permisos de Administrador: si no los tiene, se vuelve a lanzar elevado, muestra el
  resultado aquí y termina con el código de la ejecución elevada.

  Creates (or updates) three inbound rules in group "PC3" with fixed names (above); running it
  twice duplicates nothing. By default only the local subnet may connect (-Origen Todo widens
  it). Warns about a "Public" network and about Block rules Windows created for pc3-server.exe
  or deno.exe; -QuitarBloqueos removes them. -Quitar removes PC3's rules. Needs Administrator:
  relaunches itself elevated, shows the outcome here and returns the elevated run's exit code.

.PARAMETER PuertoChat
  Puerto TCP del chat (por defecto 9009). / Chat TCP port.
.PARAMETER PuertoArchivos
  Puerto TCP de archivos (por defecto 9010). / File TCP port.
.PARAMETER PuertoMedia
  Puerto UDP de las videollamadas y del descubrimiento (por defecto 9020). / Call and discovery UDP port.
.PARAMETER Perfil
  Perfiles de red, separados por comas: Privada, Dominio, Publica o Todos (por defecto
  "Privada,Dominio"). También en inglés: Private, Domain, Public, Any.
.PARAMETER Origen
  Subred (por defecto: solo equipos de la red local) o Todo (cualquier origen).
  Also in English: LocalSubnet, Any.
.PARAMETER Quitar
  Borra las reglas de PC3 en lugar de crearlas. / Remove PC3's rules.
.PARAMETER QuitarBloqueos
  Borra las reglas de bloqueo de Windows para pc3-server.exe y deno.exe. / Remove those Block rules.
.PARAMETER English
  Mensajes en inglés. / Messages in English.

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File .\configurar_firewall.ps1
.EXAMPLE
  powershell -ExecutionPolicy Bypass -File .\configurar_firewall.ps1 -Perfil Privada,Publica -QuitarBloqueos
.EXAMPLE
  powershell -ExecutionPolicy Bypass -File .\configurar_firewall.ps1 -Quitar

.NOTES
  Códigos de salida / exit codes: 0 bien / done, 1 error, 2 parámetro no válido / bad
  parameter, 3 sin permisos de Administrador / no Administrator rights.
#>
[CmdletBinding()]
param(
  [ValidateRange(1, 65535)][int]$PuertoChat = 9009,
  [ValidateRange(1, 65535)][int]$PuertoArchivos = 9010,
  [ValidateRange(1, 65535)][int]$PuertoMedia = 9020,
  [string]$Perfil = "Privada,Dominio",
  [string]$Origen = "Subred",
  [switch]$Quitar,
  [switch]$QuitarBloqueos,
  [switch]$English,
  # Internal: set by the relaunch; the elevated window logs to this file and waits for Enter.
  [string]$Registro = ""
)

$ErrorActionPreference = "Stop"
$script:ExitCode = 0

function T([string]$es, [string]$en) { if ($English) { $en } else { $es } }

# Prints a line and, in the elevated window, copies it to the log the first window shows.
function Say([string]$text, [string]$color = "Gray") {
  Write-Host $text -ForegroundColor $color
  if ($Registro) { Add-Content -LiteralPath $Registro -Value $text -Encoding UTF8 }
}

# Folds accents and case so "Pública", "publica" and "PUBLIC" are the same word.
function Fold([string]$word) {
  ($word.Trim().Normalize([Text.NormalizationForm]::FormD) -replace '\p{Mn}', '').ToLowerInvariant()
}

function Convert-Profiles([string]$text) {
  $names = @{
    "privada" = "Private"; "private" = "Private"; "dominio" = "Domain"; "domain" = "Domain";
    "publica" = "Public"; "public" = "Public"; "todos" = "Any"; "todas" = "Any"; "any" = "Any"
  }
  $result = @()
  foreach ($word in ($text -split ",")) {
    $key = Fold $word
    if ($key -eq "") { continue }
    if (-not $names.ContainsKey($key)) { return $null }
    $result += $names[$key]
  }
  if ($result.Count -eq 0) { return $null }
  if ($result -contains "Any") { return @("Any") }
  return @($result | Select-Object -Unique)
}

function Convert-Origin([string]$text) {
  switch (Fold $text) {
    { $_ -in "subred", "localsubnet" } { return "LocalSubnet" }
    { $_ -in "todo", "any" } { return "Any" }
    default { return $null }
  }
}

$profiles = Convert-Profiles $Perfil
$remote = Convert-Origin $Origen
if (-not $profiles) {
  Write-Host (T "Perfil no válido: '$Perfil'. Usa Privada, Dominio, Publica o Todos, separados por comas." `
                "Invalid profile: '$Perfil'. Use Private, Domain, Public or Any, separated by commas.") -ForegroundColor Red
  exit 2
}
if (-not $remote) {
  Write-Host (T "Origen no válido: '$Origen'. Usa Subred o Todo." "Invalid origin: '$Origen'. Use LocalSubnet or Any.") -ForegroundColor Red
  exit 2
}

# Not Administrator: relaunch elevated with the same parameters, wait, show what it did.
$principal = New-Object Security.Principal.WindowsPrincipal(
  [Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  Write-Host (T "Hacen falta permisos de Administrador; abriendo una ventana elevada..." `
                "Administrator rights are needed; opening an elevated window...")
  $log = Join-Path $env:TEMP ("pc3-firewall-{0}.log" -f $PID)
  $forward = @("-NoProfile", "-ExecutionPolicy", "Bypass", "-File", "`"$PSCommandPath`"",
    "-PuertoChat", $PuertoChat, "-PuertoArchivos", $PuertoArchivos, "-PuertoMedia", $PuertoMedia,
    "-Perfil", "`"$Perfil`"", "-Origen", "`"$Origen`"", "-Registro", "`"$log`"")
  if ($Quitar) { $forward += "-Quitar" }
  if ($QuitarBloqueos) { $forward += "-QuitarBloqueos" }
  if ($English) { $forward += "-English" }
  try {
    $elevated = Start-Process -FilePath "powershell.exe" -ArgumentList $forward -Verb RunAs -Wait -PassThru
  } catch {
    Write-Host (T "No se concedieron permisos de Administrador. No se cambió nada." `
                  "Administrator rights were not granted. Nothing was changed.") -ForegroundColor Red
    exit 3
  }
  if (Test-Path -LiteralPath $log) {
    Get-Content -LiteralPath $log -Encoding UTF8 | ForEach-Object { Write-Host $_ }
    Remove-Item -LiteralPath $log -ErrorAction SilentlyContinue
  }
  exit $elevated.ExitCode
}

# Windows creates Block rules for a program when its "allow this app" prompt is dismissed;
# a Block rule wins over any Allow rule, so ours would not help.
function Find-BlockRules {
  $programs = @("pc3-server.exe", "deno.exe")
  Get-NetFirewallApplicationFilter -ErrorAction SilentlyContinue |
    Where-Object { $_.Program -and $programs -contains [IO.Path]::GetFileName($_.Program).ToLowerInvariant() } |
    Get-NetFirewallRule -ErrorAction SilentlyContinue |
    Where-Object { $_.Direction -eq "Inbound" -and $_.Action -eq "Block" -and $_.Enabled -eq "True" }
}

function Set-Pc3Rules {
  $rules = @(
    @{ Name = "PC3 chat (TCP)"; Protocol = "TCP"; Port = $PuertoChat },
    @{ Name = "PC3 archivos (TCP)"; Protocol = "TCP"; Port = $PuertoArchivos },
    @{ Name = "PC3 videollamadas (UDP)"; Protocol = "UDP"; Port = $PuertoMedia }
  )
  foreach ($rule in $rules) {
    $display = $rule.Name
    # Any earlier PC3 rule of this service (maybe on another port) is replaced, never duplicated.
    $existing = Get-NetFirewallRule -Group "PC3" -ErrorAction SilentlyContinue |
      Where-Object { $_.DisplayName -eq $display }
    if ($Quitar) {
      if ($existing) {
        $existing | Remove-NetFirewallRule
        Say (T "Quitada la regla: $display" "Removed rule: $display")
      } else {
        Say (T "No existía la regla: $display" "Rule did not exist: $display")
      }
      continue
    }
    if ($existing) {
      $existing | Set-NetFirewallRule -Direction Inbound -Action Allow -Enabled True -Profile $profiles `
        -RemoteAddress $remote
      $existing | Get-NetFirewallPortFilter | Set-NetFirewallPortFilter -Protocol $rule.Protocol `
        -LocalPort $rule.Port
      Say (T "Actualizada: $display, puerto $($rule.Port) abierto" "Updated: $display, port $($rule.Port) open") "Green"
    } else {
      New-NetFirewallRule -DisplayName $display -Group "PC3" -Direction Inbound -Action Allow `
        -Protocol $rule.Protocol -LocalPort $rule.Port -Profile $profiles -RemoteAddress $remote | Out-Null
      Say (T "Creada: $display, puerto $($rule.Port) abierto" "Created: $display, port $($rule.Port) open") "Green"
    }
  }
}

function Show-Blocks {
  $blocks = @(Find-BlockRules)
  if ($blocks.Count -eq 0) { return }
  if ($QuitarBloqueos) {
    $blocks | Remove-NetFirewallRule
    Say (T "Quitadas $($blocks.Count) reglas de bloqueo de Windows para PC3." `
           "Removed $($blocks.Count) Windows Block rules for PC3.") "Green"
    return
  }
  Say (T "Atención: Windows bloquea PC3 con estas reglas, que pueden más que las de PC3:" `
         "Warning: Windows blocks PC3 with these rules, which override PC3's:") "Yellow"
  foreach ($b in $blocks) { Say "  - $($b.DisplayName)" "Yellow" }
  Say (T "Para quitarlas: vuelve a ejecutar con -QuitarBloqueos" "To remove them: run again with -QuitarBloqueos") "Yellow"
}

function Show-PublicHint {
  if ($profiles -contains "Any" -or $profiles -contains "Public") { return }
  foreach ($net in @(Get-NetConnectionProfile -ErrorAction SilentlyContinue | Where-Object { $_.NetworkCategory -eq "Public" })) {
    Say (T "La red '$($net.Name)' ($($net.InterfaceAlias)) es Pública: las reglas no se aplican en ella. Márcala como Privada con:" `
           "The network '$($net.Name)' ($($net.InterfaceAlias)) is Public: the rules do not apply there. Make it Private with:") "Yellow"
    Say "  Set-NetConnectionProfile -InterfaceAlias '$($net.InterfaceAlias)' -NetworkCategory Private" "Yellow"
    Say (T "o vuelve a ejecutar con -Perfil Privada,Dominio,Publica" "or run again with -Perfil Private,Domain,Public") "Yellow"
  }
}

try {
  Set-Pc3Rules
  if (-not $Quitar) {
    Show-Blocks
    Show-PublicHint
    Say ""
    $who = if ($remote -eq "LocalSubnet") { T "solo la subred local" "local subnet only" } else { T "cualquier origen" "any origin" }
    Say (T "Listo. Perfiles: $($profiles -join ', '); origen: $who." "Done. Profiles: $($profiles -join ', '); origin: $who.") "Green"
    Say (T "Para deshacerlo: .\configurar_firewall.ps1 -Quitar" "To undo: .\configurar_firewall.ps1 -Quitar")
  }
} catch {
  Say ((T "Error: " "Error: ") + $_.Exception.Message) "Red"
  $script:ExitCode = 1
}

if ($Registro) {
  Read-Host (T "Pulsa Enter para cerrar esta ventana" "Press Enter to close this window") | Out-Null
}
exit $script:ExitCode
