/* lead /* nested */ */ SELECT 1 -- tail
; 'a'
'b'; SELECT 'multi'
  -- c
'line'