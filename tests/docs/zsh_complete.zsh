#!/usr/bin/env zsh
# zsh_complete.zsh SCRIPT LINE: the words zsh's completion offers at the end
# of LINE with SCRIPT loaded, one per line. An interactive zsh runs in a
# pseudo-terminal (zpty) and is sent LINE and a Tab; compadd is wrapped to
# write down what the completion functions add.
zmodload zsh/zpty || exit 1
local script=$1 line=$2 out
out=$(mktemp) || exit 1
zpty shell zsh -f -i
zpty -w shell "PROMPT='ZL''E> ' RPROMPT=; unsetopt AUTO_LIST BEEP; autoload -Uz compinit; compinit -u -D; source ${(q)script}"
# compadd -O, -A and -D only filter lists for their caller and offer nothing.
# (No comments inside: an interactive zsh -f takes '#' for a command.)
zpty -w shell "compadd() {
  local -A special; local -a words
  zparseopts -E O:=special A:=special D:=special
  if (( \$#special )); then builtin compadd \"\$@\"; return; fi
  builtin compadd -O words \"\$@\"
  print -rl -- \$words >> ${(q)out}
  builtin compadd \"\$@\"
}"
zpty -w shell "print -r -- REA''DY"
# Only once zle reads the terminal are Tab and Ctrl-U keys: before, the
# terminal's line editing would take Ctrl-U for itself. The prompt says so.
zpty -r shell _ '*READY*ZLE> *'
# zle reads the Tab, then Ctrl-U (kill-whole-line), then the line that prints DONE, in order.
zpty -w -n shell "$line"$'\t\C-u'
zpty -w shell "print -r -- DO''NE"
zpty -r shell _ '*DONE*'
zpty -d shell
cat $out
rm -f $out
