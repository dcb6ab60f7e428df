connect ws://h/ -H "A: b"
send {"a":[1,"#"]}
expect /x(\d)/ as X
repeat 2 {
 repeat 1 {
  send "$X\n"
 }
}
expect close 1000 within 1s
