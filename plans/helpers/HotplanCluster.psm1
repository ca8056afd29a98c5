<#
HotplanCluster.psm1: the verbs a hotplan profile for a Windows failover cluster (Windows Server
2012 and later: the FailoverClusters module, Suspend-ClusterNode -Drain -Wait) calls, one
exported function each, over the FailoverClusters cmdlets. docs/profiles.md ("The Windows
helpers") says the same for people; tests/windows/ checks this header against the code.

A profile runs them through hotplan-cluster.ps1, beside this file (C:\hotplan\ on every node):

    powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -File C:\hotplan\hotplan-cluster.ps1 VERB [ARG...]

(-File passes each argument as one string, whatever it holds; -Command would parse them again.)

Exit status, every verb: 0 true, or done; 1 false; 2 usage (an unknown verb or a wrong number
of arguments: nothing was done); 3 error, with one line "hotplan-cluster: VERB: what failed" on
stderr. Probes print nothing; the verbs that answer with text print it on stdout, one item a
line, and nothing else. In PowerShell itself the functions return $true/$false (probes),
strings (answers) or nothing (actions), and throw on errors; Invoke-HotplanCluster maps that to
the exit status above.

Verbs (function; in each example, `$` is the command after "hotplan-cluster.ps1", `>` a line on
stdout):

  owner GROUP                 Get-HotplanGroupOwner
      The node that owns the cluster group (Get-ClusterGroup).
      $ owner "SQL Server (MSSQLSERVER)"
      > SQL1
      exit 0

  move GROUP NODE             Move-HotplanGroup
      Moves the group to NODE and waits until it is online there (Move-ClusterGroup).
      $ move "SQL Server (MSSQLSERVER)" SQL2
      exit 0

  member NODE                 Test-HotplanNodeMember
      0 when NODE is joined to the cluster, Up or Paused (joining, down: 1) (Get-ClusterNode).
      A paused node is a member: the pause is the node's drain state (`drain-state`), and it
      persists across a restart, so a drained node that restarts comes back Paused.
      $ member SQL2
      exit 0

  paused NODE                 Test-HotplanNodePaused
      0 when NODE is paused (drained or not) (Get-ClusterNode).
      $ paused SQL2
      exit 1

  drain NODE                  Suspend-HotplanNode
      Pauses NODE and moves its roles away, and waits until the drain has completed
      (Suspend-ClusterNode -Drain -Wait); an error when it ends otherwise.
      $ drain SQL2
      exit 0

  resume NODE                 Resume-HotplanNode
      Resumes a paused NODE; its roles stay where they are (Resume-ClusterNode -Failback
      NoFailback). 0 at once when it is not paused.
      $ resume SQL2
      exit 0

  drain-state NODE            Get-HotplanNodeDrainState
      NODE's drain, one of the values of the library's `state drain` (Get-ClusterNode's State
      and DrainStatus): active (Up), draining (Paused, DrainStatus InProgress: its roles are
      moving), paused (Paused otherwise: drained, a drain that failed, or paused by hand). A
      node that is Down or Joining has no drain state to read: an error.
      $ drain-state SQL1
      > active
      exit 0
      $ drain-state SQL2
      > draining
      exit 0
      $ drain-state SQL2
      > paused
      exit 0
      $ drain-state SQL2
      ! hotplan-cluster: drain-state: node SQL2 is Down: its drain state cannot be read
      exit 3

  owners RESOURCE             Get-HotplanPossibleOwner
      The resource's possible owners, one a line (Get-ClusterOwnerNode -Resource).
      $ owners "SQL Server"
      > SQL1
      > SQL2
      exit 0

  set-owners RESOURCE NODE... Set-HotplanPossibleOwner
      Makes the nodes the resource's possible owners (Set-ClusterOwnerNode -Resource).
      $ set-owners "SQL Server" SQL1 SQL2
      exit 0

  possible-owner RESOURCE NODE Get-HotplanPossibleOwnerState
      Whether NODE is a possible owner of the resource, one of the values of the library's
      `state possible_owner`: yes or no (Get-ClusterOwnerNode -Resource).
      $ possible-owner "SQL Network Name (SQLINST)" SQL2
      > yes
      exit 0
      $ possible-owner "SQL Network Name (SQLINST)" SQL1
      > no
      exit 0

  add-owner RESOURCE NODE     Add-HotplanPossibleOwner
      Adds NODE to the resource's possible owners, keeping the others (Get-ClusterOwnerNode,
      then Set-ClusterOwnerNode -Resource -Owners), and reads the list back. 0 at once when it
      is one already.
      $ add-owner "SQL Network Name (SQLINST)" SQL2
      exit 0

  remove-owner RESOURCE NODE  Remove-HotplanPossibleOwner
      Removes NODE from the resource's possible owners, keeping the others, and reads the
      list back. 0 at once when it is not one; an error when it is the only one (a resource
      with no possible owner cannot come online anywhere).
      $ remove-owner "SQL Network Name (SQLINST)" SQL2
      exit 0
      $ remove-owner "SQL Network Name (SQLINST)" SQL1
      ! hotplan-cluster: remove-owner: SQL1 is the only possible owner of resource 'SQL Network Name (SQLINST)'
      exit 3

  online RESOURCE             Test-HotplanResourceOnline
      0 when the resource is online, 1 otherwise (Get-ClusterResource).
      $ online "SQL Server"
      exit 0

  restartable RESOURCE        Test-HotplanResourceRestart
      0 when the cluster restarts the resource after a failure (RestartAction 1 or 2), 1 when
      it does not (0).
      $ restartable "SQL Server"
      exit 0

  disable-restart RESOURCE    Disable-HotplanResourceRestart
  enable-restart RESOURCE     Enable-HotplanResourceRestart
      Sets the resource's RestartAction to 0 ("do not restart") or 2 (restart, then fail over).
      $ disable-restart "SQL Server"
      exit 0
      $ enable-restart "SQL Server"
      exit 0

  quorum                      Get-HotplanQuorum
      The cluster's quorum type, and on a second line the witness resource when it has one
      (Get-ClusterQuorum).
      $ quorum
      > NodeAndFileShareMajority
      > File Share Witness
      exit 0

  version FILE                Get-HotplanFileVersion
      The file's version (its version resource's FileVersionRaw: four numbers). A bare name is
      looked for in the folder of the service binary of that name (Win32_Service's PathName:
      sqlservr.exe where SQL Server's service runs it from), then in System32.
      $ version ntoskrnl.exe
      > 10.0.20348.2227
      exit 0
      $ version sqlservr.exe
      > 2007.100.2531.0
      exit 0
      $ version nosuch.dll
      ! hotplan-cluster: version: no file nosuch.dll (looked in C:\Windows\system32)
      exit 3

  installed HOTFIX PACKAGE    Test-HotplanHotfixInstalled
      0 when Windows lists the update as installed, 1 when it does not: Get-HotFix
      (Win32_QuickFixEngineering: what an .msu records), else an uninstall entry whose key or
      display name holds the number (what SQL Server's setup records). Its number (KB123456)
      is taken from HOTFIX, else from PACKAGE's file name; neither holding one is an error.
      $ installed kb5034129 windows10.0-kb5034129-x64.msu
      exit 1

  install HOTFIX PACKAGE [SWITCH...] Install-HotplanHotfix
      Runs the package, hidden, and waits: an .msu through wusa.exe /quiet /norestart, anything
      else as itself; the switches follow. A relative PACKAGE is under C:\hotplan\packages\.
      Exit code 0, or 3010 (installed, Windows wants a restart: the plan restarts the node where
      it must), or wusa's 2359302 (already installed) is success; any other is an error.
      $ install kb5034129 windows10.0-kb5034129-x64.msu
      > installed kb5034129 (3010: Windows asks for a restart)
      exit 0
#>

Set-StrictMode -Version 2.0

$script:Verbs = [ordered]@{
    'owner'           = @{ Function = 'Get-HotplanGroupOwner';          Min = 1; Max = 1 }
    'move'            = @{ Function = 'Move-HotplanGroup';              Min = 2; Max = 2 }
    'member'          = @{ Function = 'Test-HotplanNodeMember';         Min = 1; Max = 1 }
    'paused'          = @{ Function = 'Test-HotplanNodePaused';         Min = 1; Max = 1 }
    'drain'           = @{ Function = 'Suspend-HotplanNode';            Min = 1; Max = 1 }
    'resume'          = @{ Function = 'Resume-HotplanNode';             Min = 1; Max = 1 }
    'drain-state'     = @{ Function = 'Get-HotplanNodeDrainState';      Min = 1; Max = 1 }
    'owners'          = @{ Function = 'Get-HotplanPossibleOwner';       Min = 1; Max = 1 }
    'set-owners'      = @{ Function = 'Set-HotplanPossibleOwner';       Min = 2; Max = -1 }
    'possible-owner'  = @{ Function = 'Get-HotplanPossibleOwnerState';  Min = 2; Max = 2 }
    'add-owner'       = @{ Function = 'Add-HotplanPossibleOwner';       Min = 2; Max = 2 }
    'remove-owner'    = @{ Function = 'Remove-HotplanPossibleOwner';    Min = 2; Max = 2 }
    'online'          = @{ Function = 'Test-HotplanResourceOnline';     Min = 1; Max = 1 }
    'restartable'     = @{ Function = 'Test-HotplanResourceRestart';    Min = 1; Max = 1 }
    'disable-restart' = @{ Function = 'Disable-HotplanResourceRestart'; Min = 1; Max = 1 }
    'enable-restart'  = @{ Function = 'Enable-HotplanResourceRestart';  Min = 1; Max = 1 }
    'quorum'          = @{ Function = 'Get-HotplanQuorum';              Min = 0; Max = 0 }
    'version'         = @{ Function = 'Get-HotplanFileVersion';         Min = 1; Max = 1 }
    'installed'       = @{ Function = 'Test-HotplanHotfixInstalled';    Min = 2; Max = 2 }
    'install'         = @{ Function = 'Install-HotplanHotfix';          Min = 2; Max = -1 }
}

function Get-HotplanGroupOwner([Parameter(Mandatory)][string]$Group) {
    [string](Get-ClusterGroup -Name $Group -ErrorAction Stop).OwnerNode.Name
}

function Move-HotplanGroup([Parameter(Mandatory)][string]$Group, [Parameter(Mandatory)][string]$Node) {
    $g = Move-ClusterGroup -Name $Group -Node $Node -ErrorAction Stop
    if ([string]$g.OwnerNode.Name -ne $Node -or [string]$g.State -ne 'Online') {
        throw "group '$Group' is $($g.State) on $($g.OwnerNode.Name), not online on $Node"
    }
}

function Test-HotplanNodeMember([Parameter(Mandatory)][string]$Node) {
    [string](Get-ClusterNode -Name $Node -ErrorAction Stop).State -in @('Up', 'Paused')
}

function Test-HotplanNodePaused([Parameter(Mandatory)][string]$Node) {
    [string](Get-ClusterNode -Name $Node -ErrorAction Stop).State -eq 'Paused'
}

function Suspend-HotplanNode([Parameter(Mandatory)][string]$Node) {
    $n = Suspend-ClusterNode -Name $Node -Drain -Wait -ErrorAction Stop
    if ([string]$n.DrainStatus -ne 'Completed') {
        throw "node $Node is $($n.State), its drain $($n.DrainStatus)"
    }
}

function Resume-HotplanNode([Parameter(Mandatory)][string]$Node) {
    if ([string](Get-ClusterNode -Name $Node -ErrorAction Stop).State -ne 'Paused') { return }
    Resume-ClusterNode -Name $Node -Failback NoFailback -ErrorAction Stop | Out-Null
}

# The library's drain: Up is active; Paused is draining while DrainStatus says InProgress,
# paused otherwise (Completed, Failed, NotInitiated: paused by hand).
function Get-HotplanNodeDrainState([Parameter(Mandatory)][string]$Node) {
    $n = Get-ClusterNode -Name $Node -ErrorAction Stop
    switch ([string]$n.State) {
        'Up'     { 'active' }
        'Paused' { if ([string]$n.DrainStatus -eq 'InProgress') { 'draining' } else { 'paused' } }
        default  { throw "node $Node is $($n.State): its drain state cannot be read" }
    }
}

function Get-HotplanPossibleOwner([Parameter(Mandatory)][string]$Resource) {
    (Get-ClusterOwnerNode -Resource $Resource -ErrorAction Stop).OwnerNodes | ForEach-Object { [string]$_.Name }
}

function Set-HotplanPossibleOwner([Parameter(Mandatory)][string]$Resource,
                                  [Parameter(Mandatory, ValueFromRemainingArguments)][string[]]$Node) {
    Set-ClusterOwnerNode -Resource $Resource -Owners $Node -ErrorAction Stop | Out-Null
}

# The library's possible_owner: yes or no.
function Get-HotplanPossibleOwnerState([Parameter(Mandatory)][string]$Resource, [Parameter(Mandatory)][string]$Node) {
    if (@(Get-HotplanPossibleOwner $Resource) -contains $Node) { 'yes' } else { 'no' }
}

# Sets the possible owners to $Owners, then reads them back.
function Set-OwnerList([string]$Resource, [string[]]$Owners) {
    Set-ClusterOwnerNode -Resource $Resource -Owners $Owners -ErrorAction Stop | Out-Null
    $now = @(Get-HotplanPossibleOwner $Resource)
    if ($now.Count -ne $Owners.Count -or @($Owners | Where-Object { $now -notcontains $_ }).Count -ne 0) {
        throw "resource '$Resource' has the possible owners $($now -join ', '), not $($Owners -join ', ')"
    }
}

function Add-HotplanPossibleOwner([Parameter(Mandatory)][string]$Resource, [Parameter(Mandatory)][string]$Node) {
    $owners = @(Get-HotplanPossibleOwner $Resource)
    if ($owners -contains $Node) { return }
    Set-OwnerList $Resource ($owners + $Node)
}

function Remove-HotplanPossibleOwner([Parameter(Mandatory)][string]$Resource, [Parameter(Mandatory)][string]$Node) {
    $owners = @(Get-HotplanPossibleOwner $Resource)
    if ($owners -notcontains $Node) { return }
    $rest = @($owners | Where-Object { $_ -ne $Node })
    if ($rest.Count -eq 0) { throw "$Node is the only possible owner of resource '$Resource'" }
    Set-OwnerList $Resource $rest
}

function Test-HotplanResourceOnline([Parameter(Mandatory)][string]$Resource) {
    [string](Get-ClusterResource -Name $Resource -ErrorAction Stop).State -eq 'Online'
}

function Test-HotplanResourceRestart([Parameter(Mandatory)][string]$Resource) {
    [int](Get-ClusterResource -Name $Resource -ErrorAction Stop).RestartAction -ne 0
}

function Set-RestartAction([string]$Resource, [int]$Action) {
    $r = Get-ClusterResource -Name $Resource -ErrorAction Stop
    $r.RestartAction = $Action
    if ([int](Get-ClusterResource -Name $Resource -ErrorAction Stop).RestartAction -ne $Action) {
        throw "resource '$Resource' kept its RestartAction"
    }
}

function Disable-HotplanResourceRestart([Parameter(Mandatory)][string]$Resource) {
    Set-RestartAction $Resource 0
}

function Enable-HotplanResourceRestart([Parameter(Mandatory)][string]$Resource) {
    Set-RestartAction $Resource 2
}

function Get-HotplanQuorum {
    $q = Get-ClusterQuorum -ErrorAction Stop
    [string]$q.QuorumType
    if ($null -ne $q.QuorumResource) { [string]$q.QuorumResource.Name }
}

# A bare name: the binary of a service (Win32_Service's PathName: sqlservr.exe is where SQL
# Server's service runs it from), else System32.
function Find-HotplanFile([string]$File) {
    if ($File -match '[\\/:]') { return @($File) }
    $dirs = @(Get-CimInstance Win32_Service -ErrorAction Stop | ForEach-Object {
        if ([string]$_.PathName -match '^"?([^"]+?\.exe)') { $Matches[1] } } |
        Where-Object { (Split-Path -Leaf $_) -eq $File } | ForEach-Object { Split-Path -Parent $_ })
    @($dirs | Select-Object -Unique) + [Environment]::SystemDirectory | ForEach-Object { Join-Path $_ $File }
}

function Get-HotplanFileVersion([Parameter(Mandatory)][string]$File) {
    $tried = @(Find-HotplanFile $File)
    $path = $tried | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
    if ($null -eq $path) {
        $where = if ($tried[0] -ne $File) { " (looked in $(@($tried | ForEach-Object { Split-Path -Parent $_ }) -join ' and '))" } else { '' }
        throw "no file $File$where"
    }
    $v = (Get-Item -LiteralPath $path -ErrorAction Stop).VersionInfo.FileVersionRaw
    if ($null -eq $v) { throw "$path has no version resource" }
    [string]$v
}

# "KB123456" from the hotfix's name, else from the package's file name.
function Get-KbNumber([string]$Hotfix, [string]$Package) {
    foreach ($s in @($Hotfix, [IO.Path]::GetFileName($Package))) {
        if ($s -match '(?:^|[^A-Za-z0-9])KB([0-9]{6,7})(?:[^0-9]|$)') { return "KB$($Matches[1])" }
    }
    throw "no KB number in '$Hotfix' or '$Package' to look the update up by"
}

# Windows' own updates are in Win32_QuickFixEngineering (Get-HotFix); others (SQL Server's) in
# the uninstall entries, by key name or display name.
function Test-HotplanHotfixInstalled([Parameter(Mandatory)][string]$Hotfix, [Parameter(Mandatory)][string]$Package) {
    $kb = Get-KbNumber $Hotfix $Package
    if ($null -ne (Get-HotFix -Id $kb -ErrorAction SilentlyContinue)) { return $true }
    $keys = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*',
            'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*'
    $re = "(^|[^A-Za-z0-9])$kb([^0-9]|$)"
    $hits = @(Get-ItemProperty -Path $keys -ErrorAction SilentlyContinue | Where-Object {
        $name = $_.PSObject.Properties['DisplayName']   # StrictMode: not every entry has one
        $_.PSChildName -match $re -or ($null -ne $name -and [string]$name.Value -match $re) })
    $hits.Count -gt 0
}

function Install-HotplanHotfix([Parameter(Mandatory)][string]$Hotfix, [Parameter(Mandatory)][string]$Package,
                               [Parameter(ValueFromRemainingArguments)][string[]]$Switch) {
    $path = if ([IO.Path]::IsPathRooted($Package)) { $Package } else { Join-Path 'C:\hotplan\packages' $Package }
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { throw "no package $path on this node" }
    $quoted = @($Switch | Where-Object { $_ } | ForEach-Object { if ($_ -match '\s') { '"' + $_ + '"' } else { $_ } })
    if ($path -like '*.msu') {
        $exe = Join-Path ([Environment]::SystemDirectory) 'wusa.exe'
        $argv = @('"' + $path + '"', '/quiet', '/norestart') + $quoted
    } else {
        $exe = $path
        $argv = $quoted
    }
    $p = if ($argv.Count) { Start-Process -FilePath $exe -ArgumentList $argv -Wait -PassThru -WindowStyle Hidden -ErrorAction Stop }
         else { Start-Process -FilePath $exe -Wait -PassThru -WindowStyle Hidden -ErrorAction Stop }
    switch ($p.ExitCode) {
        0       { "installed $Hotfix" }
        3010    { "installed $Hotfix (3010: Windows asks for a restart)" }
        2359302 { "installed $Hotfix (2359302: it already was)" }
        default { throw "$exe $($argv -join ' ') exited with $($p.ExitCode)" }
    }
}

# The command line (hotplan-cluster.ps1): runs VERB with its arguments and returns the exit
# status, printing the verb's answer on stdout and an error on stderr.
function Invoke-HotplanCluster {
    $verb = if ($args.Count -gt 0) { [string]$args[0] } else { '' }
    $rest = @(if ($args.Count -gt 1) { $args[1..($args.Count - 1)] | ForEach-Object { [string]$_ } })
    $usage = '(usage: hotplan-cluster.ps1 VERB [ARG...]; the verbs are in HotplanCluster.psm1)'
    if (-not $script:Verbs.Contains($verb)) {
        $what = if ($verb -eq '') { 'no verb' } else { "unknown verb '$verb'" }
        [Console]::Error.WriteLine("hotplan-cluster: $what $usage")
        return 2
    }
    $v = $script:Verbs[$verb]
    if ($rest.Count -lt $v.Min -or ($v.Max -ge 0 -and $rest.Count -gt $v.Max)) {
        [Console]::Error.WriteLine("hotplan-cluster: ${verb}: takes $($v.Min)$(if ($v.Max -lt 0) { ' or more' } elseif ($v.Max -ne $v.Min) { " to $($v.Max)" }) argument(s), not $($rest.Count) $usage")
        return 2
    }
    try {
        $out = @(& $v.Function @rest)
    } catch {
        $msg = ($_.Exception.Message -replace '\s+', ' ').Trim()
        [Console]::Error.WriteLine("hotplan-cluster: ${verb}: $msg")
        return 3
    }
    if ($out.Count -eq 1 -and $out[0] -is [bool]) {
        if ($out[0]) { return 0 } else { return 1 }
    }
    foreach ($line in $out) { [Console]::Out.WriteLine([string]$line) }
    return 0
}

Export-ModuleMember -Function @($script:Verbs.Values | ForEach-Object { $_.Function }) + 'Invoke-HotplanCluster'
