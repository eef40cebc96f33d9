<#
.SYNOPSIS
    Patchfield collector for Windows: writes one text file describing this PC for Patchfield.

.DESCRIPTION
    Reads, and changes nothing:
      - computer name, DNS domain, IP and MAC addresses of the enabled network adapters;
      - Windows edition, version, build and update build revision (UBR, the cumulative update level),
        DisplayVersion (e.g. 23H2);
      - installed updates: Get-HotFix, and successful installations in the Windows Update history;
      - installed programs: the registry Uninstall keys (64-bit and 32-bit views, and the current user's);
      - updates Windows Update offers but has not installed: a search through the Microsoft.Update.Session COM
        object (no download, no installation). Use -SkipUpdateSearch to leave it out.
    The file format is described in FORMAT.md beside this script (first line "# patchfield-collector 1").

    Works in Windows PowerShell 5.1 (Windows 7 SP1 / Server 2008 R2 with WMF 5.1 up to Windows 11 / Server 2025)
    and PowerShell 7. Needs no module and no administrator rights.

.PARAMETER OutFile
    Where to write. Default: patchfield-<COMPUTERNAME>-<yyyyMMdd-HHmmss>.txt in the current folder.

.PARAMETER SkipUpdateSearch
    Do not ask Windows Update for missing updates (the search needs the internet or the WSUS server and can take
    several minutes).

.EXAMPLE
    powershell -NoProfile -ExecutionPolicy Bypass -File .\patchfield-collect.ps1

.EXAMPLE
    powershell -NoProfile -ExecutionPolicy Bypass -File .\patchfield-collect.ps1 -OutFile E:\site\pc12.txt
#>
[CmdletBinding()]
param(
    [string]$OutFile,
    [switch]$SkipUpdateSearch
)

# Typos in variable names and reads of missing properties are errors; each step catches its own errors and
# records them in the [errors] section, so one failing step never stops the others.
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$CollectorVersion = '1.0.0'
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture

$Sections = [ordered]@{}
$Errors = New-Object 'System.Collections.Generic.List[string]'

# ---------------------------------------------------------------------------------------------------------
# Helpers

# A value as the format wants it: text without TAB, CR or LF, trimmed.
function ConvertTo-Field([object]$Value) {
    if ($null -eq $Value) { return '' }
    return (([string]$Value) -replace '[\t\r\n]+', ' ').Trim()
}

# One table row: the fields joined by TAB.
function ConvertTo-Row([object[]]$Fields) {
    $clean = New-Object 'System.Collections.Generic.List[string]'
    foreach ($field in $Fields) { $clean.Add((ConvertTo-Field $field)) }
    return [string]::Join("`t", $clean.ToArray())
}

# Makes sure a section exists (it is written even when it stays empty).
function Start-Section([string]$Section) {
    if (-not $Sections.Contains($Section)) {
        $Sections[$Section] = New-Object 'System.Collections.Generic.List[string]'
    }
}

# Adds a line to a section.
function Add-Line([string]$Section, [string]$Line) {
    Start-Section $Section
    $Sections[$Section].Add($Line)
}

function Add-Value([string]$Section, [string]$Key, [object]$Value) {
    $text = ConvertTo-Field $Value
    if ($text -ne '') { Add-Line $Section ($Key + '=' + $text) }
}

function Add-Error([string]$Step, [object]$Problem) {
    $message = $Problem
    if ($Problem -is [System.Management.Automation.ErrorRecord]) { $message = $Problem.Exception.Message }
    $Errors.Add((ConvertTo-Row @($Step, $message)))
}

# A property of an object, or $null when it has none (Set-StrictMode makes a missing property an error).
function Get-Prop([object]$Object, [string]$Name) {
    if ($null -eq $Object) { return $null }
    $property = $Object.PSObject.Properties[$Name]
    if ($null -eq $property) { return $null }
    return $property.Value
}

# "yyyy-MM-dd" from a DateTime or a registry "yyyyMMdd" string; '' otherwise.
function ConvertTo-IsoDate([object]$Value) {
    if ($null -eq $Value) { return '' }
    if ($Value -is [datetime]) { return $Value.ToString('yyyy-MM-dd', $Invariant) }
    $text = ([string]$Value).Trim()
    if ($text -match '^(\d{4})(\d{2})(\d{2})$') { return $Matches[1] + '-' + $Matches[2] + '-' + $Matches[3] }
    return ''
}

# WMI/CIM query that works in Windows PowerShell 5.1 (both cmdlets) and PowerShell 7 (CIM only).
function Get-Wmi([string]$Class) {
    if (Get-Command Get-CimInstance -ErrorAction SilentlyContinue) { return @(Get-CimInstance -ClassName $Class) }
    return @(Get-WmiObject -Class $Class)
}

# HKLM in the 64-bit or 32-bit registry view, whatever the bitness of this PowerShell process.
function Open-LocalMachine([Microsoft.Win32.RegistryView]$View) {
    return [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, $View)
}

$Is64BitWindows = [Environment]::Is64BitOperatingSystem
$DefaultView = [Microsoft.Win32.RegistryView]::Registry32
if ($Is64BitWindows) { $DefaultView = [Microsoft.Win32.RegistryView]::Registry64 }

# ---------------------------------------------------------------------------------------------------------
# [collector]

$elevated = 'no'
try {
    $principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
    if ($principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) { $elevated = 'yes' }
} catch { }
Add-Value 'collector' 'name' 'patchfield-collect.ps1'
Add-Value 'collector' 'version' $CollectorVersion
Add-Value 'collector' 'collected_at' ((Get-Date).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $Invariant))
Add-Value 'collector' 'elevated' $elevated

# ---------------------------------------------------------------------------------------------------------
# [host], [ips], [macs]

$computerName = $env:COMPUTERNAME
try {
    $system = Get-Wmi 'Win32_ComputerSystem' | Select-Object -First 1
    $dnsName = Get-Prop $system 'DNSHostName'
    if ($dnsName) { $computerName = $dnsName }
    Add-Value 'host' 'hostname' $computerName
    # In a workgroup, Domain holds the workgroup's name, which is not a DNS domain.
    if ((Get-Prop $system 'PartOfDomain') -eq $true) {
        $domain = [string](Get-Prop $system 'Domain')
        Add-Value 'host' 'fqdn' (($computerName + '.' + $domain).ToLowerInvariant())
        Add-Value 'host' 'domain' ($domain.ToLowerInvariant())
    }
} catch {
    Add-Value 'host' 'hostname' $computerName
    Add-Error 'host' $_
}

Start-Section 'ips'
Start-Section 'macs'
try {
    $seenIps = @{}
    $seenMacs = @{}
    foreach ($adapter in (Get-Wmi 'Win32_NetworkAdapterConfiguration')) {
        if ((Get-Prop $adapter 'IPEnabled') -ne $true) { continue }
        foreach ($ip in @(Get-Prop $adapter 'IPAddress')) {
            if (-not $ip) { continue }
            $address = ([string]$ip) -replace '%.*$', ''
            if ($address -match '^127\.' -or $address -eq '::1' -or $seenIps.ContainsKey($address)) { continue }
            $seenIps[$address] = $true
            Add-Line 'ips' $address
        }
        $mac = [string](Get-Prop $adapter 'MACAddress')
        if ($mac -and -not $seenMacs.ContainsKey($mac)) {
            $seenMacs[$mac] = $true
            Add-Line 'macs' $mac
        }
    }
} catch {
    Add-Error 'ips' $_
}

# ---------------------------------------------------------------------------------------------------------
# [os]

$ubr = $null
try {
    $os = Get-Wmi 'Win32_OperatingSystem' | Select-Object -First 1
    $key = (Open-LocalMachine $DefaultView).OpenSubKey('SOFTWARE\Microsoft\Windows NT\CurrentVersion')
    $ubr = $key.GetValue('UBR')               # absent before Windows 10
    $displayVersion = $key.GetValue('DisplayVersion')
    if (-not $displayVersion) { $displayVersion = $key.GetValue('ReleaseId') }
    $editionId = $key.GetValue('EditionID')
    $key.Close()

    # Not OSArchitecture, which Windows translates ("64 bits", "64-Bit"): the processor architecture of the OS.
    $arch = $env:PROCESSOR_ARCHITEW6432
    if (-not $arch) { $arch = $env:PROCESSOR_ARCHITECTURE }
    switch ($arch) {
        'AMD64' { $arch = 'x64' }
        'x86' { $arch = 'x86' }
        'ARM64' { $arch = 'ARM64' }
    }
    # ProductType: 1 workstation, 2 domain controller, 3 server.
    $productType = ''
    $productTypeNumber = Get-Prop $os 'ProductType'
    if ($null -ne $productTypeNumber) {
        $productType = 'server'
        if ([int]$productTypeNumber -eq 1) { $productType = 'client' }
    }

    Add-Value 'os' 'family' 'windows'
    Add-Value 'os' 'name' (Get-Prop $os 'Caption')
    Add-Value 'os' 'version' (Get-Prop $os 'Version')
    Add-Value 'os' 'build' (Get-Prop $os 'BuildNumber')
    if ($null -ne $ubr) { Add-Value 'os' 'ubr' ([string]$ubr) }
    Add-Value 'os' 'edition' $editionId
    Add-Value 'os' 'display_version' $displayVersion
    Add-Value 'os' 'product_type' $productType
    Add-Value 'os' 'architecture' $arch
} catch {
    Add-Value 'os' 'family' 'windows'
    Add-Error 'os' $_
}

# ---------------------------------------------------------------------------------------------------------
# [hotfixes]: Get-HotFix (Win32_QuickFixEngineering), then the Windows Update history below.

Start-Section 'hotfixes'
try {
    foreach ($fix in @(Get-HotFix)) {
        $id = [string](Get-Prop $fix 'HotFixID')
        if ($id -notmatch '^KB\d{6,7}') { continue }   # "File 1" and other non-KB entries
        $installedOn = $null
        try { $installedOn = Get-Prop $fix 'InstalledOn' } catch { }   # some entries hold an unreadable date
        Add-Line 'hotfixes' (ConvertTo-Row @($id, (ConvertTo-IsoDate $installedOn), (Get-Prop $fix 'Description'), 'get-hotfix'))
    }
} catch {
    Add-Error 'hotfixes' $_
}

$updateSession = $null
try {
    $updateSession = New-Object -ComObject 'Microsoft.Update.Session'
    $updateSession.ClientApplicationID = 'Patchfield collector'
} catch {
    Add-Error 'history' $_
}

if ($null -ne $updateSession) {
    try {
        $searcher = $updateSession.CreateUpdateSearcher()
        $count = $searcher.GetTotalHistoryCount()
        $newest = @{}
        if ($count -gt 0) {
            foreach ($entry in $searcher.QueryHistory(0, $count)) {
                # Operation 1 = installation; ResultCode 2 = succeeded, 3 = succeeded with errors.
                if ($entry.Operation -ne 1 -or ($entry.ResultCode -ne 2 -and $entry.ResultCode -ne 3)) { continue }
                if ([string]$entry.Title -notmatch 'KB(\d{6,7})') { continue }
                $kb = 'KB' + $Matches[1]
                # Definition updates repeat the same KB daily: keep the newest installation of each KB.
                if ($newest.ContainsKey($kb) -and $newest[$kb].Date -ge $entry.Date) { continue }
                $newest[$kb] = $entry
            }
        }
        foreach ($kb in $newest.Keys) {
            $entry = $newest[$kb]
            Add-Line 'hotfixes' (ConvertTo-Row @($kb, (ConvertTo-IsoDate $entry.Date), $entry.Title, 'wu-history'))
        }
    } catch {
        Add-Error 'history' $_
    }
}

# ---------------------------------------------------------------------------------------------------------
# [software]: the Uninstall keys as "Programs and Features" shows them.

Start-Section 'software'
$seenPrograms = @{}

function Read-UninstallKeys([Microsoft.Win32.RegistryKey]$Root, [string]$Architecture) {
    $uninstall = $Root.OpenSubKey('SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall')
    if ($null -eq $uninstall) { return }
    try {
        foreach ($subName in $uninstall.GetSubKeyNames()) {
            $entry = $uninstall.OpenSubKey($subName)
            if ($null -eq $entry) { continue }
            try {
                $name = ConvertTo-Field $entry.GetValue('DisplayName')
                if ($name -eq '') { continue }
                if ($entry.GetValue('SystemComponent') -eq 1) { continue }      # hidden from Programs and Features
                if ($entry.GetValue('ParentKeyName')) { continue }              # an update of another program
                if ([string]$entry.GetValue('ReleaseType') -match '^(Update|Hotfix|Security Update)$') { continue }
                $version = ConvertTo-Field $entry.GetValue('DisplayVersion')
                $id = ($name + '|' + $version + '|' + $Architecture).ToLowerInvariant()
                if ($script:seenPrograms.ContainsKey($id)) { continue }
                $script:seenPrograms[$id] = $true
                Add-Line 'software' (ConvertTo-Row @(
                        $name, $version, $entry.GetValue('Publisher'), $Architecture, '', 'windows-program',
                        (ConvertTo-IsoDate $entry.GetValue('InstallDate'))))
            } finally {
                $entry.Close()
            }
        }
    } finally {
        $uninstall.Close()
    }
}

try {
    if ($Is64BitWindows) {
        Read-UninstallKeys (Open-LocalMachine ([Microsoft.Win32.RegistryView]::Registry64)) 'x64'
        Read-UninstallKeys (Open-LocalMachine ([Microsoft.Win32.RegistryView]::Registry32)) 'x86'
    } else {
        Read-UninstallKeys (Open-LocalMachine ([Microsoft.Win32.RegistryView]::Registry32)) 'x86'
    }
    # Per-user installations (Teams, Zoom, VS Code user setup) of the user running the collector.
    Read-UninstallKeys ([Microsoft.Win32.Registry]::CurrentUser) ''
} catch {
    Add-Error 'software' $_
}

# ---------------------------------------------------------------------------------------------------------
# [pending]: search only; nothing is downloaded or installed.

Start-Section 'pending'
$SecurityUpdatesCategory = '0fa1201d-4330-4fa8-8ae9-b877473b6441'   # "Security Updates" (the name is translated)

if (-not $SkipUpdateSearch -and $null -ne $updateSession) {
    try {
        $searcher = $updateSession.CreateUpdateSearcher()
        $result = $searcher.Search('IsInstalled=0 and IsHidden=0')
        foreach ($update in $result.Updates) {
            $kb = ''
            if ($update.KBArticleIDs.Count -gt 0) { $kb = 'KB' + $update.KBArticleIDs.Item(0) }
            $security = 'no'
            if ($update.MsrcSeverity) { $security = 'yes' }
            foreach ($category in $update.Categories) {
                if ([string]$category.CategoryID -eq $SecurityUpdatesCategory) { $security = 'yes' }
            }
            # RebootBehavior: 0 never, 1 always, 2 may ask.
            $reboot = 'no'
            if ($update.InstallationBehavior.RebootBehavior -ne 0) { $reboot = 'yes' }
            Add-Line 'pending' (ConvertTo-Row @($update.Title, '', '', '', '', $kb, $security, $reboot, 'windows-update'))
        }
    } catch {
        Add-Error 'pending' ('Windows Update search failed: ' + $_.Exception.Message)
    }
}

# ---------------------------------------------------------------------------------------------------------
# Write the file: UTF-8 without BOM, CRLF, sections in a fixed order, [end] last.

$lines = New-Object 'System.Collections.Generic.List[string]'
$lines.Add('# patchfield-collector 1')
$lines.Add('# Written by patchfield-collect.ps1 ' + $CollectorVersion + '. Import this file into Patchfield.')
foreach ($section in @('collector', 'host', 'ips', 'macs', 'os', 'hotfixes', 'software', 'pending')) {
    $lines.Add('[' + $section + ']')
    if ($Sections.Contains($section)) { foreach ($line in $Sections[$section]) { $lines.Add($line) } }
}
$lines.Add('[errors]')
foreach ($line in $Errors) { $lines.Add($line) }
$lines.Add('[end]')

if (-not $OutFile) {
    $safeName = ($env:COMPUTERNAME -replace '[^A-Za-z0-9._-]', '_')
    $OutFile = 'patchfield-' + $safeName + '-' + (Get-Date).ToString('yyyyMMdd-HHmmss', $Invariant) + '.txt'
}
if (-not [System.IO.Path]::IsPathRooted($OutFile)) {
    $OutFile = Join-Path (Get-Location).ProviderPath $OutFile
}
$utf8NoBom = New-Object System.Text.UTF8Encoding($false)
[System.IO.File]::WriteAllText($OutFile, [string]::Join("`r`n", $lines.ToArray()) + "`r`n", $utf8NoBom)

Write-Host ('patchfield-collect: wrote ' + $OutFile + ' (' + $Sections['software'].Count + ' programs, ' +
    $Sections['hotfixes'].Count + ' installed updates, ' + $Sections['pending'].Count + ' pending updates).')
if ($Errors.Count -gt 0) {
    Write-Host 'patchfield-collect: some steps failed (listed in the file''s [errors] section):'
    foreach ($line in $Errors) { Write-Host ('  ' + $line) }
}
