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
      0 when NODE is up in the cluster (paused, joining, down: 1) (Get-ClusterNode).
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
      Resumes a paused NODE; its roles stay where they are (Resume-ClusterNode).
      $ resume SQL2
      exit 0

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
#>

Set-StrictMode -Version 2.0

$script:Verbs = [ordered]@{
    'owner'           = @{ Function = 'Get-HotplanGroupOwner';          Min = 1; Max = 1 }
    'move'            = @{ Function = 'Move-HotplanGroup';              Min = 2; Max = 2 }
    'member'          = @{ Function = 'Test-HotplanNodeMember';         Min = 1; Max = 1 }
    'paused'          = @{ Function = 'Test-HotplanNodePaused';         Min = 1; Max = 1 }
    'drain'           = @{ Function = 'Suspend-HotplanNode';            Min = 1; Max = 1 }
    'resume'          = @{ Function = 'Resume-HotplanNode';             Min = 1; Max = 1 }
    'owners'          = @{ Function = 'Get-HotplanPossibleOwner';       Min = 1; Max = 1 }
    'set-owners'      = @{ Function = 'Set-HotplanPossibleOwner';       Min = 2; Max = -1 }
    'online'          = @{ Function = 'Test-HotplanResourceOnline';     Min = 1; Max = 1 }
    'restartable'     = @{ Function = 'Test-HotplanResourceRestart';    Min = 1; Max = 1 }
    'disable-restart' = @{ Function = 'Disable-HotplanResourceRestart'; Min = 1; Max = 1 }
    'enable-restart'  = @{ Function = 'Enable-HotplanResourceRestart';  Min = 1; Max = 1 }
    'quorum'          = @{ Function = 'Get-HotplanQuorum';              Min = 0; Max = 0 }
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
    [string](Get-ClusterNode -Name $Node -ErrorAction Stop).State -eq 'Up'
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
    Resume-ClusterNode -Name $Node -ErrorAction Stop | Out-Null
}

function Get-HotplanPossibleOwner([Parameter(Mandatory)][string]$Resource) {
    (Get-ClusterOwnerNode -Resource $Resource -ErrorAction Stop).OwnerNodes | ForEach-Object { [string]$_.Name }
}

function Set-HotplanPossibleOwner([Parameter(Mandatory)][string]$Resource,
                                  [Parameter(Mandatory, ValueFromRemainingArguments)][string[]]$Node) {
    Set-ClusterOwnerNode -Resource $Resource -Owners $Node -ErrorAction Stop | Out-Null
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
