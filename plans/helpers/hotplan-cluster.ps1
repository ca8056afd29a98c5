# hotplan-cluster.ps1: the command line of HotplanCluster.psm1 (its header lists the verbs),
# for profiles: powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -File
# C:\hotplan\hotplan-cluster.ps1 VERB [ARG...]; exit 0 true or done, 1 false, 2 usage, 3 error.
try {
    Import-Module FailoverClusters -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'HotplanCluster.psm1') -ErrorAction Stop
} catch {
    # a script that dies here would exit 1, which a probe reads as "false"
    [Console]::Error.WriteLine("hotplan-cluster: $($_.Exception.Message)")
    exit 3
}
exit (Invoke-HotplanCluster @args)
