" Vim filetype detection for hotplan plans, inventories and profiles (*.hplan).
" Language: hotplan plan language, hotplan-plan(5)
au BufRead,BufNewFile *.hplan setfiletype hplan
