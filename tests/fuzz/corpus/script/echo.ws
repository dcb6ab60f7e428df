# echo test
send {"op":"login","user":"ci","id":42}
expect {"op":"login"}                 # JSON subset
send hello world   # a comment
expect /hello (\w+)/ as WHO
send "got $WHO"
expect got world within 1s
repeat 3 {
  send-binary 00ff10
  expect binary 00ff10
}
ping hi
expect pong hi
send a
send b
expect 2 messages
close 1000 done
expect close 1000
