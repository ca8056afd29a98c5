' hotplan.vbs: what the windows-2000 and windows-2003 profiles call for the things Exchange
' Server 2003 has no command line for: its stores (CDOEXM), the cluster's owners, members and
' restart policies (the Cluster Automation Server, msclus.dll), file versions
' (FileSystemObject), installed hotfixes (the registry, through WMI's StdRegProv), and the
' unattended install of a hotfix package. docs/profiles.md ("The Windows helpers") says the
' same for people; tests/windows/ checks the profiles against this header.
'
' Install: copy this file to C:\hotplan\ on every node; packages are staged in
' C:\hotplan\packages\. Run it as the profiles do:
'
'     cscript //nologo C:\hotplan\hotplan.vbs VERB [ARG...]
'
' Exit status, every verb: 0 true, or done; 1 false; 2 usage (an unknown verb or a wrong
' number of arguments: nothing was done); 3 error, with one line "hotplan.vbs: VERB: what
' failed" on stderr. Probes print nothing; the verbs that answer with text print it on stdout,
' one item a line, and nothing else.
'
' Environment (system variables, read when the verb runs):
'     HOTPLAN_EXCHANGE_SERVER   the Exchange server CDOEXM opens: on a cluster, the Exchange
'                               virtual server's name; default: this computer's name
'     HOTPLAN_PACKAGE_SOURCE    the folder or share `stage` copies packages from
'
' Verbs (in each example, `$` is the command after "cscript //nologo hotplan.vbs", `>` a line
' on stdout, `!` a line on stderr):
'
'   stores
'       Every store of the server, one a line, as "Storage Group/Store".
'       $ stores
'       > First Storage Group/Mailbox Store (EVS1)
'       > First Storage Group/Public Folder Store (EVS1)
'       > Second Storage Group/Mailbox Store (EVS1)
'       exit 0
'       $ stores
'       ! hotplan.vbs: stores: open Exchange server EVS1: The server is not operational. (0x8007203A)
'       exit 3
'
'   mounted STORE
'       0 when the store is mounted, 1 when it is not: at once when the Information Store
'       (MSExchangeIS) does not run on this node, where CDOEXM could not ask it.
'       $ mounted "First Storage Group/Mailbox Store (EVS1)"
'       exit 0
'
'   dismounted STORE
'       0 when the store is dismounted while the Information Store (MSExchangeIS) runs, 1
'       otherwise (mounted, or offline because the service is stopped).
'       $ dismounted "Second Storage Group/Mailbox Store (EVS1)"
'       exit 1
'
'   dismount STORE
'   mount STORE
'       Dismounts (mounts) the store and waits until it is; 0 at once when it already is.
'       $ dismount "First Storage Group/Public Folder Store (EVS1)"
'       exit 0
'       $ mount "Third Storage Group/Mailbox Store (EVS1)"
'       ! hotplan.vbs: mount: no store "Third Storage Group/Mailbox Store (EVS1)" on EVS1
'       exit 3
'
'   owner GROUP
'       The node that owns the cluster group.
'       $ owner "Exchange"
'       > EXCH1
'       exit 0
'
'   member NODE
'       0 when NODE is joined to the cluster, up or paused (joining, down: 1). Run on NODE
'       itself: 1 at once when its Cluster service (ClusSvc) is not running. A paused node is a
'       member: the pause is its drain state (`drain-state`), and it persists across a restart.
'       $ member EXCH2
'       exit 0
'       $ member EXCH1
'       exit 0
'
'   drain NODE
'       What the windows-failover-cluster library's node_drain needs, on a cluster that has no
'       drain (Suspend-ClusterNode -Drain is Windows Server 2012's): pauses NODE (ClusNode.Pause,
'       as `cluster node NODE /pause`: no group may move or fail over to it from then on), then
'       moves every group NODE owns to another node (ClusResGroup.Move: the cluster picks it,
'       as it would for a failover), and waits until each is online there. A group that cannot
'       move (no other node up and unpaused, a resource that fails) is an error, and NODE
'       stays paused with the groups that did not move: `resume` it (node_resume).
'       $ drain EXCH2
'       exit 0
'       $ drain EXCH1
'       ! hotplan.vbs: drain: group "Exchange" is still on EXCH1 (state 2): no other node took it
'       exit 3
'
'   drain-state NODE
'       NODE's drain, one of the values of the library's `state drain`: active (up) or paused
'       (ClusNode.State). Never draining: a drain here is `drain` above, which pauses the node
'       before it moves a group, so a probe during the moves reads paused. A node that is down
'       or joining has no drain state to read: an error.
'       $ drain-state EXCH1
'       > active
'       exit 0
'       $ drain-state EXCH2
'       > paused
'       exit 0
'
'   possible-owner RESOURCE NODE
'       Whether NODE is a possible owner of the resource (ClusResource.PossibleOwnerNodes, what
'       `cluster res RESOURCE /listowners` lists), one of the values of the library's `state
'       possible_owner`: yes or no.
'       $ possible-owner "Exchange Information Store Instance" EXCH2
'       > yes
'       exit 0
'       $ possible-owner "Exchange Information Store Instance" EXCH1
'       > no
'       exit 0
'
'   restartable RESOURCE
'       0 when the cluster restarts the resource after a failure (its RestartAction is 1 or
'       2), 1 when it does not (0, "Do not restart").
'       $ restartable "Exchange Information Store Instance"
'       exit 0
'
'   version FILE
'       The file's version, from its version resource. A bare name is looked for in the folder
'       of the Information Store's binary (store.exe), then in System32.
'       $ version Ese.dll
'       > 6.5.7232.54
'       exit 0
'       $ version nosuch.dll
'       ! hotplan.vbs: version: no file nosuch.dll (looked in C:\Program Files\Exchsrvr\bin and C:\WINDOWS\system32)
'       exit 3
'
'   installed HOTFIX PACKAGE
'       0 when Windows records the hotfix as installed, 1 when it does not. Its number (KB123456
'       or Q123456) is taken from HOTFIX, else from PACKAGE's file name; it is looked up
'       where Update.exe and Hotfix.exe record it (HKLM\SOFTWARE\Microsoft\Updates\PRODUCT\
'       [LEVEL\]KB123456, HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Hotfix\KB123456)
'       and among the uninstall entries (HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\
'       Uninstall\KB123456[-...]). Neither name holding a number is an error.
'       $ installed KB898060 Exchange2003-KB898060-x86-ENU.exe
'       exit 1
'       $ installed ese hotfix/ese-6.5.7232.54.exe
'       ! hotplan.vbs: installed: no KB or Q number in "ese" or "hotfix/ese-6.5.7232.54.exe" to look the hotfix up by
'       exit 3
'
'   stage PACKAGE
'       Makes sure the package is on this node: a relative PACKAGE ("/" or "\" between
'       folders, no "..") is copied from %HOTPLAN_PACKAGE_SOURCE%\PACKAGE to
'       C:\hotplan\packages\PACKAGE when that variable is set, and must be there already when it
'       is not; an absolute one (C:\..., \\server\share\...) must exist.
'       $ stage hotfix/Exchange2003-KB898060-x86-ENU.exe
'       > staged C:\hotplan\packages\hotfix\Exchange2003-KB898060-x86-ENU.exe
'       exit 0
'
'   install HOTFIX PACKAGE [SWITCH...]
'       Runs the staged package with the switches, hidden, and waits for it. Its exit code 0,
'       or 3010 (installed, Windows wants a restart: the plan restarts the node when it must),
'       is success; anything else (1641 too: it restarted Windows itself) is an error.
'       $ install KB898060 hotfix/Exchange2003-KB898060-x86-ENU.exe -q -z
'       > installed KB898060 (3010: Windows asks for a restart)
'       exit 0
Option Explicit

Const EXIT_TRUE = 0, EXIT_FALSE = 1, EXIT_USAGE = 2, EXIT_ERROR = 3
Const HKLM = &H80000002
Const CDOEXM_ONLINE = 0, CDOEXM_OFFLINE = 1
Const NODE_UP = 0, NODE_PAUSED = 2, RESTART_NEVER = 0, GROUP_ONLINE = 0, MOVE_TIMEOUT = 300

Dim args, verb, fso, shell
Set args = WScript.Arguments
Set fso = CreateObject("Scripting.FileSystemObject")
Set shell = CreateObject("WScript.Shell")
verb = ""

' Every verb ends in WScript.Quit (Answer, Die) or returns here; an error no verb expected
' (one that VBScript would report with exit status 1, "false") is exit status 3.
On Error Resume Next
Main
If Err.Number <> 0 Then Check "unexpected error"
WScript.Quit EXIT_TRUE

Sub Main()
    If args.Count = 0 Then Usage "no verb"
    verb = args(0)
    Select Case verb
    Case "stores":      Arity 0, 0: PrintStores
    Case "mounted":     Arity 1, 1: Answer Mounted(args(1))
    Case "dismounted":  Arity 1, 1: Answer Dismounted(args(1))
    Case "dismount":    Arity 1, 1: SetStore args(1), CDOEXM_OFFLINE
    Case "mount":       Arity 1, 1: SetStore args(1), CDOEXM_ONLINE
    Case "owner":       Arity 1, 1: WScript.Echo ClusterItem("ResourceGroups", args(1)).OwnerNode.Name
    Case "member":      Arity 1, 1: Answer Member(args(1))
    Case "drain":       Arity 1, 1: Drain args(1)
    Case "drain-state": Arity 1, 1: WScript.Echo DrainState(args(1))
    Case "possible-owner": Arity 2, 2: WScript.Echo IIfStr(PossibleOwner(args(1), args(2)), "yes", "no")
    Case "restartable": Arity 1, 1: Answer RestartAction(args(1)) <> RESTART_NEVER
    Case "version":     Arity 1, 1: WScript.Echo FileVersion(args(1))
    Case "installed":   Arity 2, 2: Answer HotfixInstalled(KbNumber(args(1), args(2)))
    Case "stage":       Arity 1, 1: Stage args(1)
    Case "install":     Arity 2, -1: Install
    Case Else:          Usage "unknown verb '" & verb & "'"
    End Select
End Sub

' ---- exit ------------------------------------------------------------------------------------

Sub Die(code, msg)
    On Error Resume Next   ' the exit status must survive a stderr that cannot be written
    If verb = "" Then WScript.StdErr.WriteLine "hotplan.vbs: " & msg Else WScript.StdErr.WriteLine "hotplan.vbs: " & verb & ": " & msg
    WScript.Quit code
End Sub

Sub Usage(msg)
    Die EXIT_USAGE, msg & " (usage: cscript //nologo hotplan.vbs VERB [ARG...]; the verbs are in its header)"
End Sub

' Between lo and hi arguments after the verb (hi -1: no upper bound).
Sub Arity(lo, hi)
    Dim n: n = args.Count - 1
    If n < lo Or (hi >= 0 And n > hi) Then Usage "takes " & lo & IIfStr(hi = lo, "", IIfStr(hi < 0, " or more", " to " & hi)) & " argument(s), not " & n
End Sub

Function IIfStr(cond, a, b)
    If cond Then IIfStr = a Else IIfStr = b
End Function

Sub Answer(yes)
    If yes Then WScript.Quit EXIT_TRUE Else WScript.Quit EXIT_FALSE
End Sub

' Dies with `what` when the statement before (under On Error Resume Next) failed.
Sub Check(what)
    Dim msg
    If Err.Number = 0 Then Exit Sub
    msg = what & ": " & Trim(Replace(Replace(Err.Description, vbCr, " "), vbLf, " ")) & " (0x" & Hex(Err.Number) & ")"
    Die EXIT_ERROR, msg
End Sub

Function Env(name)
    Env = shell.Environment("PROCESS")(name)
End Function

' ---- stores (CDOEXM) --------------------------------------------------------------------------

Function ServerName()
    ServerName = Env("HOTPLAN_EXCHANGE_SERVER")
    If ServerName = "" Then ServerName = Env("COMPUTERNAME")
End Function

' "Storage Group/Store" -> Array(ProgID, URL) of every store of the server, names compared
' as Exchange does (case-insensitively), in the server's order.
Function AllStores()
    Dim srv, sg, groups, url, d
    Set d = CreateObject("Scripting.Dictionary")
    d.CompareMode = vbTextCompare
    On Error Resume Next
    Set srv = CreateObject("CDOEXM.ExchangeServer")
    Check "CDOEXM (CDO for Exchange Management: Exchange Server 2003 or its System Manager)"
    srv.DataSource.Open ServerName()
    Check "open Exchange server " & ServerName()
    groups = srv.StorageGroups
    Check "storage groups of " & ServerName()
    For Each url In groups
        Set sg = CreateObject("CDOEXM.StorageGroup")
        sg.DataSource.Open url
        Check "open storage group " & url
        AddStores d, sg.Name, sg.MailboxStoreDBs, "CDOEXM.MailboxStoreDB"
        Check "mailbox stores of storage group " & url
        AddStores d, sg.Name, sg.PublicStoreDBs, "CDOEXM.PublicStoreDB"
        Check "public folder stores of storage group " & url
    Next
    Set AllStores = d
End Function

Sub AddStores(d, group, urls, progid)
    Dim url, db
    On Error Resume Next
    For Each url In urls
        Set db = CreateObject(progid)
        db.DataSource.Open url
        Check "open store " & url
        d(group & "/" & db.Name) = Array(progid, url)
    Next
End Sub

Sub PrintStores()
    Dim name
    For Each name In AllStores().Keys
        WScript.Echo name
    Next
End Sub

Function OpenStore(name)
    Dim d, entry, db
    Set d = AllStores()
    If Not d.Exists(name) Then Die EXIT_ERROR, "no store """ & name & """ on " & ServerName()
    entry = d.Item(name)
    On Error Resume Next
    Set db = CreateObject(entry(0))
    db.DataSource.Open entry(1)
    Check "open store """ & name & """"
    Set OpenStore = db
End Function

Function StoreStatus(name)
    Dim db
    Set db = OpenStore(name)
    On Error Resume Next
    StoreStatus = db.Status
    Check "status of store """ & name & """"
End Function

' Mounts (CDOEXM_ONLINE) or dismounts (CDOEXM_OFFLINE) a store; Mount and Dismount return
' when the store is (no timeout: the profile's action timeout bounds the wait).
Sub SetStore(name, want)
    Dim db
    Set db = OpenStore(name)
    If db.Status = want Then Exit Sub
    On Error Resume Next
    If want = CDOEXM_ONLINE Then db.Mount Else db.Dismount
    Check verb & " store """ & name & """"
    On Error Goto 0
    If StoreStatus(name) <> want Then Die EXIT_ERROR, "store """ & name & """ is still " & IIfStr(want = CDOEXM_ONLINE, "not mounted", "mounted")
End Sub

' A store is mounted only where the Information Store runs.
Function Mounted(name)
    Mounted = False
    If ServiceRunning("MSExchangeIS") Then Mounted = (StoreStatus(name) = CDOEXM_ONLINE)
End Function

' Dismounted, not offline because its service is stopped.
Function Dismounted(name)
    Dismounted = False
    If StoreStatus(name) = CDOEXM_OFFLINE Then Dismounted = ServiceRunning("MSExchangeIS")
End Function

' A Windows service runs on this node (False when it is not installed).
Function ServiceRunning(name)
    Dim svc
    On Error Resume Next
    Set svc = GetObject("winmgmts:{impersonationLevel=impersonate}!\\.\root\cimv2").Get("Win32_Service.Name='" & name & "'")
    If Err.Number = &H80041002 Then ServiceRunning = False: Exit Function   ' WBEM_E_NOT_FOUND
    Check "service " & name
    ServiceRunning = (svc.State = "Running")
End Function

' ---- the cluster (Cluster Automation Server) -------------------------------------------------

' An item of a collection of the cluster this node belongs to: "Nodes", "ResourceGroups", "Resources".
Function ClusterItem(collection, name)
    Dim c
    On Error Resume Next
    Set c = CreateObject("MSCluster.Cluster")
    Check "the Cluster Automation Server (msclus.dll)"
    c.Open ""
    Check "open the cluster of this node"
    Select Case collection
    Case "Nodes":          Set ClusterItem = c.Nodes.Item(name)
    Case "ResourceGroups": Set ClusterItem = c.ResourceGroups.Item(name)
    Case "Resources":      Set ClusterItem = c.Resources.Item(name)
    End Select
    Check "no " & LCase(collection) & " item """ & name & """ in cluster " & c.Name
End Function

' Joined (up or paused), asked on the node itself: not a member while its Cluster service is
' stopped (the cluster cannot be opened then).
Function Member(node)
    Dim state
    Member = False
    If ServiceRunning("ClusSvc") Then state = ClusterItem("Nodes", node).State: Member = (state = NODE_UP Or state = NODE_PAUSED)
End Function

Function DrainState(node)
    Dim state
    state = ClusterItem("Nodes", node).State
    If state = NODE_UP Then
        DrainState = "active"
    ElseIf state = NODE_PAUSED Then
        DrainState = "paused"
    Else
        Die EXIT_ERROR, "node " & node & " is " & IIfStr(state = 1, "down", "joining or unknown (state " & state & ")") & ": its drain state cannot be read"
    End If
End Function

' Pause first, so that nothing moves or fails over to the node meanwhile, then move its groups
' away (a paused node's groups may be taken offline and brought online elsewhere).
Sub Drain(node)
    Dim n, g, names, name, moved
    Set n = ClusterItem("Nodes", node)
    On Error Resume Next
    If n.State <> NODE_PAUSED Then n.Pause
    Check "pause node " & node
    names = ""   ' the groups it owns, read before any moves (the collection is the node's live list)
    For Each g In n.ResourceGroups
        names = names & vbLf & g.Name
    Next
    Check "groups of node " & node
    On Error Goto 0
    For Each name In Split(Mid(names, 2), vbLf)
        Set g = ClusterItem("ResourceGroups", name)
        On Error Resume Next
        g.Move MOVE_TIMEOUT   ' no node: the cluster picks the best active possible owner
        Check "move group """ & name & """ away from " & node
        moved = (LCase(g.OwnerNode.Name) <> LCase(node) And g.State = GROUP_ONLINE)
        Check "read group """ & name & """ back"
        On Error Goto 0
        If Not moved Then Die EXIT_ERROR, "group """ & name & """ is still on " & g.OwnerNode.Name & " (state " & g.State & "): no other node took it"
    Next
End Sub

Function PossibleOwner(resource, node)
    Dim res, o
    Set res = ClusterItem("Resources", resource)
    PossibleOwner = False
    On Error Resume Next
    For Each o In res.PossibleOwnerNodes
        If LCase(o.Name) = LCase(node) Then PossibleOwner = True
    Next
    Check "possible owners of resource """ & resource & """"
End Function

Function RestartAction(name)
    Dim res
    Set res = ClusterItem("Resources", name)
    On Error Resume Next
    RestartAction = res.CommonProperties.Item("RestartAction").Value
    Check "RestartAction of resource """ & name & """"
End Function

' ---- files -------------------------------------------------------------------------------------

' The folder of the Information Store's binary (the Exchange bin folder), or "".
Function ExchangeBin()
    Dim path
    ExchangeBin = ""
    On Error Resume Next
    path = shell.RegRead("HKLM\SYSTEM\CurrentControlSet\Services\MSExchangeIS\ImagePath")
    If Err.Number <> 0 Then Exit Function
    On Error Goto 0
    path = shell.ExpandEnvironmentStrings(Replace(path, """", ""))
    ExchangeBin = fso.GetParentFolderName(path)
End Function

Function FileVersion(name)
    Dim path, dirs, d, looked
    path = ""
    If InStr(name, "\") > 0 Or InStr(name, "/") > 0 Or InStr(name, ":") > 0 Then
        If fso.FileExists(name) Then path = name
        looked = ""
    Else
        dirs = Array(ExchangeBin(), fso.GetSpecialFolder(1).Path)   ' 1: System32
        looked = ""
        For Each d In dirs
            If d <> "" Then
                looked = looked & IIfStr(looked = "", " (looked in ", " and ") & d
                If path = "" And fso.FileExists(fso.BuildPath(d, name)) Then path = fso.BuildPath(d, name)
            End If
        Next
        If looked <> "" Then looked = looked & ")"
    End If
    If path = "" Then Die EXIT_ERROR, "no file " & name & looked
    On Error Resume Next
    FileVersion = fso.GetFileVersion(path)
    Check "version of " & path
    If FileVersion = "" Then Die EXIT_ERROR, path & " has no version resource"
End Function

' ---- hotfixes ----------------------------------------------------------------------------------

' "KB123456" or "Q123456" from the hotfix's name, else from the package's file name.
Function KbNumber(hotfix, package)
    Dim re, s, m
    Set re = New RegExp
    re.Pattern = "(^|[^A-Za-z0-9])(KB|Q)([0-9]{6,7})([^0-9]|$)"
    re.IgnoreCase = True
    For Each s In Array(hotfix, fso.GetFileName(Replace(package, "/", "\")))
        Set m = re.Execute(s)
        If m.Count > 0 Then KbNumber = UCase(m(0).SubMatches(1)) & m(0).SubMatches(2): Exit Function
    Next
    Die EXIT_ERROR, "no KB or Q number in """ & hotfix & """ or """ & package & """ to look the hotfix up by"
End Function

Function SubKeys(reg, path)
    Dim rc, names
    On Error Resume Next
    rc = reg.EnumKey(HKLM, path, names)
    Check "read HKLM\" & path
    If rc = 0 And IsArray(names) Then SubKeys = names Else SubKeys = Array()
End Function

' A subkey of path named id, or id followed by something that is not a digit (KB123456-v2).
Function HasKey(reg, path, id)
    Dim k, rest
    HasKey = False
    For Each k In SubKeys(reg, path)
        If UCase(Left(k, Len(id))) = id Then
            rest = Mid(k, Len(id) + 1)
            If rest = "" Then
                HasKey = True
            ElseIf Not IsNumeric(Left(rest, 1)) Then
                HasKey = True
            End If
        End If
    Next
End Function

Function HotfixInstalled(id)
    Dim reg, product, level, updates
    On Error Resume Next
    Set reg = GetObject("winmgmts:{impersonationLevel=impersonate}!\\.\root\default:StdRegProv")
    Check "the registry (WMI StdRegProv)"
    On Error Goto 0
    HotfixInstalled = True
    updates = "SOFTWARE\Microsoft\Updates"
    For Each product In SubKeys(reg, updates)
        If HasKey(reg, updates & "\" & product, id) Then Exit Function
        For Each level In SubKeys(reg, updates & "\" & product)
            If HasKey(reg, updates & "\" & product & "\" & level, id) Then Exit Function
        Next
    Next
    If HasKey(reg, "SOFTWARE\Microsoft\Windows NT\CurrentVersion\Hotfix", id) Then Exit Function
    If HasKey(reg, "SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall", id) Then Exit Function
    HotfixInstalled = False
End Function

' ---- packages ----------------------------------------------------------------------------------

Function IsAbsolute(p)
    IsAbsolute = (Left(p, 2) = "\\" Or Mid(p, 2, 1) = ":")
End Function

' Where a package is run from: an absolute path as it is, a relative one under
' C:\hotplan\packages (the folder beside this script).
Function PackagePath(package)
    Dim p, part
    p = Replace(package, "/", "\")
    If IsAbsolute(p) Then PackagePath = p: Exit Function
    For Each part In Split(p, "\")
        If part = ".." Or part = "" Then Die EXIT_ERROR, "package """ & package & """: a relative path is folder\...\file, without .."
    Next
    PackagePath = fso.BuildPath(fso.BuildPath(fso.GetParentFolderName(WScript.ScriptFullName), "packages"), p)
End Function

Sub MakeFolders(folder)
    If folder = "" Or fso.FolderExists(folder) Then Exit Sub
    MakeFolders fso.GetParentFolderName(folder)
    fso.CreateFolder folder
End Sub

Sub Stage(package)
    Dim dest, src
    dest = PackagePath(package)
    src = Env("HOTPLAN_PACKAGE_SOURCE")
    If src <> "" And Not IsAbsolute(Replace(package, "/", "\")) Then
        src = fso.BuildPath(src, Replace(package, "/", "\"))
        If Not fso.FileExists(src) Then Die EXIT_ERROR, "no package " & src
        On Error Resume Next
        MakeFolders fso.GetParentFolderName(dest)
        Check "create the folder of " & dest
        fso.CopyFile src, dest, True
        Check "copy " & src & " to " & dest
        On Error Goto 0
    End If
    If Not fso.FileExists(dest) Then Die EXIT_ERROR, "no package " & dest & " on this node (copy it there, or set HOTPLAN_PACKAGE_SOURCE to where it is)"
    WScript.Echo "staged " & dest
End Sub

' An argument as the package's command line needs it: quoted when it holds a space.
Function QuoteArg(a)
    If InStr(a, " ") > 0 Or InStr(a, vbTab) > 0 Or a = "" Then QuoteArg = """" & a & """" Else QuoteArg = a
End Function

Sub Install()
    Dim path, cmd, i, rc
    path = PackagePath(args(2))
    If Not fso.FileExists(path) Then Die EXIT_ERROR, "no package " & path & " (stage it first)"
    cmd = """" & path & """"
    For i = 3 To args.Count - 1
        cmd = cmd & " " & QuoteArg(args(i))
    Next
    On Error Resume Next
    rc = shell.Run(cmd, 0, True)   ' 0: no window; True: wait for it
    Check "run " & cmd
    On Error Goto 0
    Select Case rc
    Case 0:    WScript.Echo "installed " & args(1)
    Case 3010: WScript.Echo "installed " & args(1) & " (3010: Windows asks for a restart)"
    Case 1641: Die EXIT_ERROR, cmd & " exited with 1641: the installer is restarting Windows"
    Case Else: Die EXIT_ERROR, cmd & " exited with " & rc & " (0x" & Hex(rc) & "); Update.exe logs to %SystemRoot%\KB*.log"
    End Select
End Sub
