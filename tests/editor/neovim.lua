-- Run by tests/it/lsp.rs in Neovim (Debian's `neovim`, 0.7), headless: attaches `minipaas lsp`
-- ($MINIPAAS_BIN) to the Compose buffer opened on the command line as a user's configuration
-- would, waits for its diagnostics, resolves and applies the "fix all" code action, writes the changed
-- buffers, waits for the diagnostics of the fixed file, and writes what it saw to $OUT as JSON
-- (or the error that stopped it). Uses only the APIs Neovim 0.7 has (`start_client`,
-- `buf_attach_client`), which later versions keep.
local out = os.getenv('OUT')

local function save(value)
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(value))
  f:close()
end

local ok, err = pcall(function()
  local buf = vim.api.nvim_get_current_buf()
  local id = vim.lsp.start_client({
    name = 'minipaas',
    cmd = { os.getenv('MINIPAAS_BIN'), 'lsp' },
    root_dir = vim.fn.getcwd(),
  })
  assert(id, 'the client starts')
  vim.lsp.buf_attach_client(buf, id)

  -- The buffer's diagnostics as (code, line, column), lines and columns from 1 as the CLI counts.
  local function diagnostics()
    local list = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      local lsp = (d.user_data and d.user_data.lsp) or {}
      table.insert(list, { code = lsp.code or d.code, line = d.lnum + 1, column = d.col + 1 })
    end
    table.sort(list, function(a, b)
      return a.line < b.line or (a.line == b.line and a.column < b.column)
    end)
    return list
  end

  assert(vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 50), 'no diagnostics arrived')
  local before = diagnostics()

  local client = vim.lsp.get_client_by_id(id)
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = {}, only = { 'source.fixAll' } }
  local reply = client.request_sync('textDocument/codeAction', params, 30000, buf)
  assert(reply and reply.result and #reply.result == 1, 'expected one fix-all action: ' .. vim.inspect(reply))
  local action = reply.result[1]
  -- Neovim says it can resolve an action's edit later, so the server lists actions without
  -- them; resolve it as `vim.lsp.buf.code_action()` does.
  if not action.edit then
    local resolved = client.request_sync('codeAction/resolve', action, 30000, buf)
    assert(resolved and resolved.result, 'codeAction/resolve failed: ' .. vim.inspect(resolved))
    action = resolved.result
  end
  assert(action.edit, 'the resolved action has no edit')
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  vim.cmd('silent wall')

  local seen = vim.inspect(before)
  assert(vim.wait(30000, function() return vim.inspect(diagnostics()) ~= seen end, 50),
    'the diagnostics did not follow the fix')
  save({ before = before, after = diagnostics(), title = action.title })
end)

if not ok then
  save({ error = tostring(err) })
  vim.cmd('cquit 1')
end
vim.cmd('qa!')
