-- Put before every script of the broker (RedisCalls does): helpers they share.
-- The value of a stream entry's field, or nil.
local function field(entry, name)
  local f = entry[2]
  for i = 1, #f, 2 do
    if f[i] == name then return f[i + 1] end
  end
  return nil
end
