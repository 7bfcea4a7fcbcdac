import { mount } from 'svelte';
import { useOperatorMessages } from '../../api/schemas/messages.ts';
import Root from './Root.svelte';
import './app.css';

useOperatorMessages();
mount(Root, { target: document.getElementById('app')! });
