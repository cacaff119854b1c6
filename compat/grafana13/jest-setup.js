// jsdom has no MessageChannel; React 19's server renderer (reached through @grafana/ui 13's
// TruncatedText) creates one when it loads. Node's own is used, its ports unref'd so they never
// keep a Jest worker alive.
const { MessageChannel: NodeMessageChannel } = require('worker_threads');

if (typeof global.MessageChannel === 'undefined') {
  global.MessageChannel = class MessageChannel {
    constructor() {
      const channel = new NodeMessageChannel();
      channel.port1.unref();
      channel.port2.unref();
      this.port1 = channel.port1;
      this.port2 = channel.port2;
    }
  };
}

// jsdom's URL predates URL.canParse, which every browser Grafana 13 supports has and
// @grafana/ui 13 (through @braintree/sanitize-url) calls when it renders a link.
if (typeof URL.canParse !== 'function') {
  URL.canParse = (url, base) => {
    try {
      new URL(url, base);
      return true;
    } catch {
      return false;
    }
  };
}
