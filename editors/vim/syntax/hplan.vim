" Vim syntax file
" Language:     hotplan plans, inventories and profiles (*.hplan): hotplan-plan(5)
" Maintainer:   the hotplan project
" Install:      copy editors/vim/ into a 'runtimepath' directory (~/.vim), or
"               :set rtp+=/path/to/hotplan/editors/vim before :syntax on
"
" Keywords are the reserved words of grammar/include/keywords.h; tests/editors/run-editors.sh fails when
" the language gains a keyword that is missing here.

if exists('b:current_syntax')
  finish
endif
let s:cpo_save = &cpo
set cpo&vim

syn case match
setlocal iskeyword=@,48-57,_

" ---- comments ----
syn keyword hplanTodo         contained TODO FIXME XXX NOTE
syn match   hplanComment      "#.*$" contains=hplanTodo,@Spell

" ---- strings: "…" on one line, escapes \" \\ \n \t, ${NAME} in exec strings and profiles ----
syn match   hplanEscape       contained +\\[\\"nt]+
syn match   hplanBadEscape    contained +\\[^\\"nt]+
syn match   hplanInterp       contained "\$\${"
syn match   hplanInterp       contained "\${[A-Za-z_][A-Za-z0-9_.]*}"
syn region  hplanString       start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ oneline
      \ contains=hplanEscape,hplanBadEscape,hplanInterp,@Spell

" ---- numbers: versions (6.5.7232.54), durations (90s, 15m, 2h), integers ----
" A run of digits, letters and dots that is none of these is an HP001 error.
syn match   hplanError        "\<\d[0-9A-Za-z_.]*"
syn match   hplanNumber       "\<\d\+[0-9A-Za-z_.]\@!"
syn match   hplanDuration     "\<\d\+[smh][0-9A-Za-z_.]\@!"
syn match   hplanVersion      "\<\d\+\.\d\+\.\d\+\%(\.\d\+\)\=[0-9A-Za-z_.]\@!"

" ---- keywords ----
" blocks and declarations
syn keyword hplanStructure    plan import target profile model hotfix procedure roles
syn keyword hplanStatement    title kb param require ensure else
syn keyword hplanStatement    step checkpoint
syn keyword hplanRepeat       for each serial
syn keyword hplanConditional  if
" types and target kinds
syn keyword hplanType         bool int string duration version stores secret
syn keyword hplanKind         standalone cluster
" model, hotfix, inventory entries
syn keyword hplanEntry        service process holds resource group store recover
syn keyword hplanEntry        file size sha256 package args restarts
syn keyword hplanEntry        node nodes address set from env owner of any except all on in to
" actions
syn keyword hplanAction       stop start kill dismount mount install restart move
syn keyword hplanAction       disable enable wait until timeout verify pause exec
" conditions
syn keyword hplanCondition    running stopped mounted dismounted member down owns no groups
syn keyword hplanCondition    installed count
syn keyword hplanOperator     not and or
syn keyword hplanBoolean      true false
syn match   hplanOperator     "==\|!=\|<=\|>=\|[<>=]"

" `fact a.b.c`: every part of a fact path is a plain word, keywords included
syn match   hplanFactPath     contained "[A-Za-z_][A-Za-z0-9_]*\%(\s*\.\s*[A-Za-z_][A-Za-z0-9_]*\)*"
syn keyword hplanCondition    fact nextgroup=hplanFactPath skipwhite

" the name a declaration introduces
syn match   hplanDeclName     "\%(\<\%(plan\|step\|checkpoint\|hotfix\|param\|target\)\s\+\)\@<=[A-Za-z_][A-Za-z0-9_]*"

" ---- links ----
hi def link hplanComment      Comment
hi def link hplanTodo         Todo
hi def link hplanString       String
hi def link hplanEscape       SpecialChar
hi def link hplanBadEscape    Error
hi def link hplanInterp       Special
hi def link hplanError        Error
hi def link hplanNumber       Number
hi def link hplanDuration     Number
hi def link hplanVersion      Float
hi def link hplanStructure    Structure
hi def link hplanStatement    Statement
hi def link hplanRepeat       Repeat
hi def link hplanConditional  Conditional
hi def link hplanType         Type
hi def link hplanKind         Constant
hi def link hplanEntry        Keyword
hi def link hplanAction       Function
hi def link hplanCondition    Keyword
hi def link hplanOperator     Operator
hi def link hplanBoolean      Boolean
hi def link hplanFactPath     Identifier
hi def link hplanDeclName     Identifier

let b:current_syntax = 'hplan'
let &cpo = s:cpo_save
unlet s:cpo_save
